"""mpmath references: exact values, scoped precision."""

from __future__ import annotations

import mpmath
import pytest

from theory import highprec as hp


def test_closed_forms_at_30_digits():
    before = mpmath.mp.dps
    with mpmath.workdps(40):
        exact = mpmath.exp(mpmath.mpf("0.7") / 2 + mpmath.mpf("0.2"))
    value = hp.gaussian_average_mp(mpmath.exp, "0.7", "0.2", dps=30)
    assert abs(value - exact) < mpmath.mpf(10) ** -28
    assert abs(hp.gaussian_average_mp(lambda x: x * x, 3) - 3) < mpmath.mpf(10) ** -28
    assert mpmath.mp.dps == before  # precision is scoped, never global


def test_gate_symmetry_and_breakpoints():
    # E expit(alpha x) = 1/2 for a centred Gaussian, at any slope
    value = hp.gaussian_average_mp(lambda x: 1 / (1 + mpmath.exp(-500 * x)), 1, dps=30,
                                   breakpoints=hp.gate_breakpoints(500, 0))
    assert abs(value - mpmath.mpf(1) / 2) < mpmath.mpf(10) ** -25
    assert hp.gate_breakpoints(0, 1) == ()


def test_two_point_moments():
    assert abs(hp.gaussian_two_point_mp(lambda x: x, lambda y: y, 2, 3, "1.5", dps=20) - mpmath.mpf("1.5")) < 1e-18
    assert abs(hp.gaussian_two_point_mp(lambda x: x, lambda y: y, 2, 2, 2, dps=20) - 2) < 1e-18


def test_bad_inputs():
    with pytest.raises(ValueError, match="dps"):
        hp.gaussian_average_mp(mpmath.exp, 1, dps=5)
    with pytest.raises(ValueError, match="variance"):
        hp.gaussian_average_mp(mpmath.exp, -1)
    with pytest.raises(ValueError, match="rho"):
        hp.gaussian_two_point_mp(lambda x: x, lambda y: y, 1, 1, 2)
