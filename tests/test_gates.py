"""Gate and activation functions: values, derivatives, stability for steep gates."""

import numpy as np
import pytest
from mpmath import mp, mpf

from theory.gates import dphi_from_phi, dsigmoid, phi, sigmoid


def test_phi_and_derivative():
    x = np.linspace(-3, 3, 13)
    p = phi(x, 2.0, 0.3)
    np.testing.assert_allclose(p, np.tanh(2 * x + 0.3), rtol=1e-15)
    eps = 1e-6
    fd = (phi(x + eps, 2.0, 0.3) - phi(x - eps, 2.0, 0.3)) / (2 * eps)
    # central-difference round-off ~ 1e-16 / eps = 1e-10 absolute
    np.testing.assert_allclose(dphi_from_phi(p, 2.0), fd, rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize("alpha, beta", [(0.0, 0.5), (2.0, -1.0), (1e3, 2.0)])
def test_sigmoid_matches_mpmath_across_the_tails(alpha, beta):
    x = np.array([-30.0, -1.0, -1e-3, 0.0, 2e-3, 0.5, 30.0])
    s, ds = sigmoid(x, alpha, beta), dsigmoid(x, alpha, beta)
    assert np.all(np.isfinite(s)) and np.all(np.isfinite(ds))
    with mp.workdps(40):
        for xi, si, dsi in zip(x, s, ds):
            u = mpf(alpha) * mpf(xi) - mpf(beta)
            ref = 1 / (1 + mp.exp(-u))
            dref = mpf(alpha) * mp.exp(-u) / (1 + mp.exp(-u)) ** 2
            assert abs(si - ref) <= 1e-15 * ref + 1e-300
            assert abs(dsi - dref) <= 1e-14 * dref + 1e-300  # relative, even in the far tails


def test_steep_gate_does_not_overflow():
    x = np.linspace(-50, 50, 1001)
    with np.errstate(all="raise"):
        s = sigmoid(x, 1e3, 0.0)
    assert s[0] == 0.0 and s[-1] == 1.0 and s[500] == 0.5
