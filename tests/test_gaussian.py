"""Fast Gaussian quadrature vs mpmath references, in the hard regimes the solvers visit."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from scipy.special import expit

from theory import highprec as hp
from theory.errors import ConvergenceError
from theory.gaussian import (columnwise_average, gaussian_average, gaussian_two_point, half_width,
                             independent_average)


def mp_expit(x):
    return 1 / (1 + mpmath.exp(-x))


ONE_POINT = {
    # name: (numpy f, mpmath f, variance, mean, mp breakpoints)
    "tanh2-small": (lambda x: np.tanh(0.5 * x) ** 2, lambda x: mpmath.tanh(0.5 * x) ** 2, 0.01, 0.0, ()),
    "tanh2-unit": (lambda x: np.tanh(x) ** 2, lambda x: mpmath.tanh(x) ** 2, 1.0, 0.3, ()),
    "tanh2-large-variance": (lambda x: np.tanh(3 * x) ** 2, lambda x: mpmath.tanh(3 * x) ** 2, 100.0, 0.0, (0,)),
    "dtanh2-large-variance": (lambda x: 9 * (4 * expit(6 * x) * expit(-6 * x)) ** 2,
                              lambda x: 9 * mpmath.sech(3 * x) ** 4, 50.0, 0.0, (-1, 0, 1)),
    "gate2-alpha100": (lambda x: expit(100 * x - 2) ** 2, lambda x: mp_expit(100 * x - 2) ** 2, 1.0, 0.0,
                       hp.gate_breakpoints(100, 2)),
    "dgate2-alpha100": (lambda x: (100 * expit(100 * x) * expit(-100 * x)) ** 2,
                        lambda x: (100 * mp_expit(100 * x) * mp_expit(-100 * x)) ** 2, 2.0, 0.1, hp.gate_breakpoints(100, 0)),
    "pinched-spectral": (lambda x: expit(50 * x) ** 2 / ((0.05 + expit(50 * x)) ** 2 + 0.01 ** 2),
                         lambda x: mp_expit(50 * x) ** 2 / ((0.05 + mp_expit(50 * x)) ** 2 + mpmath.mpf("0.01") ** 2),
                         1.0, 0.0, hp.gate_breakpoints(50, 0)),
}


@pytest.mark.parametrize("case", sorted(ONE_POINT))
def test_one_point_matches_mpmath(case):
    f, fm, var, mean, bps = ONE_POINT[case]
    fast = gaussian_average(f, var, mean, tol=1e-12)
    ref = float(hp.gaussian_average_mp(fm, var, mean, dps=30, breakpoints=bps))
    assert fast == pytest.approx(ref, rel=1e-10, abs=1e-14)


def test_relu_with_breakpoints():
    fast = gaussian_average(lambda x: np.maximum(2 * x + 0.3, 0) ** 2, 1.7, 0.2, tol=1e-12, breakpoints=[-0.15])
    ref = float(hp.gaussian_average_mp(lambda x: max(2 * x + mpmath.mpf("0.3"), 0) ** 2, 1.7, 0.2, breakpoints=[-0.15]))
    assert fast == pytest.approx(ref, rel=1e-10)


def test_zero_variance_and_odd_integrand():
    assert gaussian_average(np.tanh, 0.0, 0.7) == pytest.approx(np.tanh(0.7), rel=1e-15)
    assert abs(gaussian_average(lambda x: np.tanh(3 * x), 4.0)) < 1e-13


def test_batched_variances_match_scalar_calls():
    var = np.array([0.1, 1.0, 30.0])
    batched = gaussian_average(lambda x: np.tanh(x) ** 2, var)
    assert batched.shape == (3,)
    for v, b in zip(var, batched):
        assert b == pytest.approx(gaussian_average(lambda x: np.tanh(x) ** 2, v), rel=1e-13)


def test_node_count_follows_tolerance():
    calls = []

    def f(x):
        calls.append(x.size)
        return expit(30 * x) ** 2

    gaussian_average(f, 1.0, tol=1e-4)
    loose = sum(calls)
    calls.clear()
    gaussian_average(f, 1.0, tol=1e-13)
    assert sum(calls) > loose
    assert half_width(1e-4) < half_width(1e-13) <= 12


@pytest.mark.parametrize("rho", [0.5, 1 - 1e-8])
def test_two_point_matches_mpmath(rho):
    v1, v2 = 1.5, 0.8
    c = rho * np.sqrt(v1 * v2)
    fast = gaussian_two_point(lambda x: np.tanh(2 * x), lambda x: np.tanh(2 * x + 0.2), v1, v2, c, tol=1e-12)
    ref = hp.gaussian_two_point_mp(lambda x: mpmath.tanh(2 * x), lambda x: mpmath.tanh(2 * x + mpmath.mpf("0.2")),
                                   v1, v2, c, dps=20)
    assert fast == pytest.approx(float(ref), rel=1e-10)


def test_two_point_limits():
    f = lambda x: expit(40 * x - 1)  # noqa: E731  near-step gate
    one = gaussian_average(lambda x: f(x) ** 2, 2.0)
    assert gaussian_two_point(f, f, 2.0, 2.0, 2.0) == pytest.approx(one, rel=1e-11)  # rho = 1
    assert gaussian_two_point(f, f, 2.0, 2.0, 2.0 * (1 - 1e-9)) == pytest.approx(one, rel=1e-6)
    indep = gaussian_average(f, 2.0) ** 2
    assert gaussian_two_point(f, f, 2.0, 2.0, 0.0) == pytest.approx(indep, rel=1e-11)  # rho = 0
    with pytest.raises(ValueError, match="rho"):
        gaussian_two_point(f, f, 1.0, 1.0, 1.5)


def test_independent_two_dimensional_matches_mpmath():
    """The non-separable static integrand of the postsynaptic-gate variant, <phi(sigma_r(eta_r) eta_h)^2>."""
    f = lambda a, b: np.tanh(2 * a * expit(3 * b)) ** 2  # noqa: E731
    fm = lambda a, b: mpmath.tanh(2 * a * mp_expit(3 * b)) ** 2  # noqa: E731
    fast = independent_average(f, (1.3, 0.7), tol=1e-12)
    ref = hp.independent_average_mp(fm, (1.3, 0.7), dps=20)
    assert fast == pytest.approx(float(ref), rel=1e-10)


def test_errors():
    with pytest.raises(ValueError, match="tol"):
        gaussian_average(np.tanh, 1.0, tol=0.0)
    with pytest.raises(ValueError, match="variance"):
        gaussian_average(np.tanh, -1.0)
    with pytest.raises(ConvergenceError):
        gaussian_average(lambda x: expit(1e5 * (x - 0.1234)), 1.0, tol=1e-13, max_nodes=300)


def test_columnwise_average_matches_per_column_calls():
    """Each column stops on its own: near-pole columns (small y) take more nodes than the rest."""
    x0 = np.array([-0.5, -0.5, 0.3, -0.9])
    y = np.array([1e-2, 0.5, 0.2, 3e-2])

    def f(x, x0, y):
        s = expit(20 * x)
        return s**2 / ((s + x0) ** 2 + y**2)

    sizes = []

    def counted(x, x0, y):
        sizes.append(x0.size)
        return f(x, x0, y)

    out = columnwise_average(counted, 0.7, {"x0": x0, "y": y}, tol=1e-10)
    assert out.shape == (4,)
    assert min(sizes) < 4  # converged columns are not evaluated again
    for i in range(4):
        ref = gaussian_average(lambda x: f(x, x0[i], y[i]), 0.7, tol=1e-10)
        assert out[i] == pytest.approx(ref, rel=1e-12)
    ref = float(hp.gaussian_average_mp(lambda x: 1 / (1 + mpmath.exp(-20 * x)) ** 2
                                       / ((1 / (1 + mpmath.exp(-20 * x)) - 0.5) ** 2 + 0.25), 0.7, 0.0, dps=30))
    assert out[1] == pytest.approx(ref, rel=1e-9)
