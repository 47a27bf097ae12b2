"""Constant-gate DMFT (theory/dmft.py, theory/dmft_averages.py): consistency and limits."""

from __future__ import annotations

import math

import numpy as np
import pytest

from theory import ModelParams
from theory._generated import load
from theory.dmft import (NoChaoticSolution, relaxation_table, schroedinger_ground_state, solve_dmft,
                         solve_lag_equation)
from theory.dmft_averages import correlation_table, stationary_autocorrelations, stationary_two_point
from theory.gaussian import gaussian_two_point
from theory.highprec import gaussian_two_point_mp


@pytest.fixture(scope="module")
def additive():
    return {g: solve_dmft(ModelParams.additive(g)) for g in (1.25, 1.5, 2.0, 3.0)}


# ---- averages ------------------------------------------------------------------------------

def _terms(g):
    gen = load("additive")
    return lambda h: gen.energy_potential_terms(h, g_h=g, beta_h=0.0)[:3]


def test_two_point_matches_gaussian_two_point_and_mpmath():
    import mpmath
    g, c0, c = 2.0, 0.48, 0.31
    gen_mp = load("additive", "mpmath")
    phi_mp = lambda h: gen_mp.energy_potential_terms(h, g_h=g, beta_h=0)[1]  # noqa: E731
    phi = lambda h: _terms(g)(h)[1]  # noqa: E731
    ref = float(gaussian_two_point_mp(phi_mp, phi_mp, c0, c0, c, dps=20))
    fast = stationary_autocorrelations(_terms(g), c0, [c])[1, 0]
    assert abs(fast - ref) < 1e-12 * abs(ref)
    assert abs(gaussian_two_point(phi, phi, c0, c0, c) - ref) < 1e-11 * abs(ref)
    assert mpmath.mp.dps == 15  # precision scoped


def test_two_point_negative_covariance_and_cross():
    f = np.tanh
    for c in (-0.7, -0.2, 0.5):
        assert stationary_two_point(f, np.sin, 1.0, c)[0] == pytest.approx(
            gaussian_two_point(f, np.sin, 1.0, 1.0, c), abs=1e-11)


def test_two_point_rejects_bad_covariance():
    with pytest.raises(ValueError, match="covariances"):
        stationary_autocorrelations(_terms(1.0), 1.0, [1.5])
    with pytest.raises(ValueError, match="c0"):
        stationary_autocorrelations(_terms(1.0), -1.0, [0.5])


def test_table_price_theorem():
    # C_f' = d C_f / dC and C_f = dQ / dC (Price) hold for the interpolants
    tab = correlation_table(_terms(2.0), ("f", "Phi", "df"), 0.5)
    c = np.linspace(0.05, 0.45, 9)
    assert np.allclose(tab.series["f"].deriv()(c), tab("df", c), rtol=1e-8)
    assert np.allclose(tab.series["Phi"].deriv()(c), tab("f", c), rtol=1e-9)
    assert tab.error < 1e-11


# ---- additive limit --------------------------------------------------------------------------

def test_energy_condition_design_form(additive):
    # SCS units: Delta0^2 / 2 = g^2 (<Phi^2> - <Phi>^2), Phi = log cosh, at variance Delta0
    from theory.gaussian import gaussian_average
    for g, r in additive.items():
        d0 = g * g * r.delta_h
        lc = lambda x: np.log(np.cosh(x))  # noqa: E731
        m1 = gaussian_average(lc, d0)
        var = gaussian_average(lambda x: (lc(x) - m1) ** 2, d0)
        assert 0.5 * d0 ** 2 == pytest.approx(g * g * var, rel=1e-11)


def test_correlation_decays_and_is_consistent(additive):
    for r in additive.values():
        assert r.c_h[0] == pytest.approx(r.delta_h, rel=1e-9)
        assert np.all(np.diff(r.c_h) <= 1e-15)
        assert r.c_h_at(200 * r.tau_tail) < 1e-12 * r.delta_h
        t = r.tolerances
        assert t["turning_point"] < 1e-8 and t["energy_conservation"] < 1e-10
        assert t["e0_grid"] < 1e-9 and t["e0_box"] < 1e-10


def test_zero_mode_of_the_lyapunov_operator(additive):
    # C_h' solves H psi = 0 exactly: the first excited (odd) energy vanishes
    for r in additive.values():
        assert abs(r.e1) < 1e-10
        assert r.e0 < 0 and r.lambda_max > 0


def test_lambda_max_increases_with_g(additive):
    lam = [additive[g].lambda_max for g in sorted(additive)]
    assert np.all(np.diff(lam) > 0)


def test_lag_equation_matches_energy_solution(additive):
    r = additive[1.5]
    p = ModelParams.additive(1.5)
    tau, c, hist = solve_lag_equation(p, c_init=lambda t: 0.5 * np.exp(-t ** 2 / 20), tau_max=150.0, n=512)
    assert hist[-1] < 1e-10 and hist[-1] < hist[0]
    assert c[0] == pytest.approx(r.delta_h, rel=1e-7)
    half = tau < 50.0
    assert np.max(np.abs(c[half] - r.c_h_at(tau[half]))) < 1e-7 * r.delta_h


def test_near_onset_scaling():
    # leading order in eps = g - 1: Delta0 = eps, tau_tail = sqrt(3) / eps, lambda_max = eps^2 / 2
    eps = np.array([0.005, 0.01, 0.02])
    res = [solve_dmft(ModelParams.additive(1 + e)) for e in eps]
    d0 = np.array([(1 + e) ** 2 * r.delta_h for e, r in zip(eps, res)])
    lam = np.array([r.lambda_max for r in res])
    a, b = np.polyfit(eps, d0 / eps, 1)[::-1]
    assert a == pytest.approx(1.0, abs=2e-3)
    a, b = np.polyfit(eps, lam / (eps ** 2 / 2), 1)[::-1]
    assert a == pytest.approx(1.0, abs=5e-3)
    for e, r in zip(eps, res):
        assert r.tau_tail * e / math.sqrt(3) == pytest.approx(1.0, abs=2 * e)
        assert r.tau_relax / r.tau_tail == pytest.approx(math.pi / 2, rel=1e-3)


def test_relaxation_relation_exact_at_onset():
    rows = relaxation_table([1.02, 1.5], model="additive")
    assert rows[0]["ratio"] == pytest.approx(1.0, abs=5e-3)
    assert rows[1]["ratio"] > 1.1  # the Poeschl-Teller relation is only asymptotic


# ---- constant gates --------------------------------------------------------------------------

def test_constant_gate_identity(additive):
    gated = solve_dmft(ModelParams.gated(4.0))
    assert gated.lambda_max == pytest.approx(additive[2.0].lambda_max / 2, rel=1e-9)
    assert gated.delta_h == pytest.approx(additive[2.0].delta_h / 4, rel=1e-11)
    assert gated.tau_relax == pytest.approx(2 * additive[2.0].tau_relax, rel=1e-8)


def test_constant_gate_identity_with_biases():
    # s_z = expit(-beta_z), s_r = expit(-beta_r): lambda = s_z lambda_SCS(g_h s_r)
    bz, br, g = 0.7, -0.4, 2.5
    sz, sr = 1 / (1 + math.exp(bz)), 1 / (1 + math.exp(br))
    gated = solve_dmft(ModelParams.gated(g, beta_z=bz, beta_r=br))
    ref = solve_dmft(ModelParams.additive(g * sr))
    assert gated.lambda_max == pytest.approx(sz * ref.lambda_max, rel=1e-9)
    assert gated.delta_h == pytest.approx(sr ** 2 * ref.delta_h, rel=1e-11)


def test_generated_weights_agree():
    # lag-equation weight / gamma2 (derivations/dmft.py) = Schroedinger weight (derivations/tangent.py)
    gen = load("gated")
    for bz, br in ((0.0, 0.0), (1.3, -0.8)):
        _, _, _, gamma2, weight = gen.energy_potential_terms(0.0, g_h=2.0, beta_z=bz, beta_r=br, beta_h=0.0)
        _, w, gamma = gen.lyapunov_constant_gates(0.0, beta_z=bz, beta_r=br)
        assert weight / gamma2 == pytest.approx(w, rel=1e-14)
        assert gamma ** 2 == pytest.approx(gamma2, rel=1e-14)


# ---- Schroedinger solver ---------------------------------------------------------------------

def test_schroedinger_poeschl_teller():
    k = 0.3
    pot = lambda u: k * k * (1 - 6 / np.cosh(k * u) ** 2)  # noqa: E731
    e0, e1 = schroedinger_ground_state(pot, 40 / k, 400)
    assert e0 == pytest.approx(-3 * k * k, abs=1e-11)
    assert abs(e1) < 1e-11


def test_e0_converges_in_box_and_grid(additive):
    r = additive[2.0]
    from theory.dmft import _Model
    m = _Model(r.params)
    tab = correlation_table(m.terms, ("f", "Phi", "df"), r.delta_h)
    pot = lambda u: 1 - m.w * tab("df", r.c_h_at(u))  # noqa: E731
    ref = schroedinger_ground_state(pot, 60.0, 600)[0]
    assert schroedinger_ground_state(pot, 60.0, 400)[0] == pytest.approx(ref, abs=1e-10)
    assert schroedinger_ground_state(pot, 90.0, 900)[0] == pytest.approx(ref, abs=1e-10)
    assert schroedinger_ground_state(pot, 60.0, 100)[0] != pytest.approx(ref, abs=1e-10)
    assert ref == pytest.approx(r.e0, abs=1e-10)


# ---- errors ----------------------------------------------------------------------------------

def test_below_onset():
    with pytest.raises(NoChaoticSolution, match="g_h s_r"):
        solve_dmft(ModelParams.additive(0.9))
    q = solve_dmft(ModelParams.gated(1.6), below_onset="quiescent")
    assert not q.chaotic and q.delta_h == 0 and q.tau_relax is None
    assert q.lambda_max == pytest.approx(0.5 * (0.8 - 1))


@pytest.mark.parametrize("kw, msg", [
    (dict(alpha_z=1.0), "sampling DMFT"), (dict(alpha_r=1.0), "alpha_r > 0"),
    (dict(beta_h=0.2), "beta_h"), (dict(I_h=0.1), "zero inputs"),
])
def test_unsupported_parameters(kw, msg):
    with pytest.raises(ValueError, match=msg):
        solve_dmft(ModelParams.gated(3.0, **kw))
    with pytest.raises(ValueError, match="below_onset"):
        solve_dmft(ModelParams.gated(3.0), below_onset="nope")
