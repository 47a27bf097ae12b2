"""Adjoint mean-field theory (theory/adjoint_mft.py) and its network measurement."""

import math

import numpy as np
import pytest
from scipy.special import expit

from theory import GatedNetwork, ModelParams
from theory._generated import kwargs_for, load
from theory.adjoint_mft import (adjoint_mft, even_ground_state, gradient_regime, measure_adjoint,
                                quiescent_rate)
from theory.dmft import solve_dmft
from theory.spectral_curve import right_edge


def test_even_ground_state_harmonic_oscillator():
    e0, u, psi = even_ground_state(lambda x: x ** 2, 12.0, 300)
    assert e0 == pytest.approx(1.0, abs=1e-10)
    np.testing.assert_allclose(psi[u < 5], np.exp(-u[u < 5] ** 2 / 2), atol=1e-9)


def test_adjoint_closes_on_lambda_h_with_the_tangent_coefficients():
    """Constant gates: generated adjoint terms give -dlambda_h/dt = -s_z lambda_h + B_hh nu_h with
    mu_h = s_z lambda_h and B_hh = s_r phi'; the resulting correlation equation has weight
    (A_hh B_hh / phi')^2 / L_hh^2 = s_r^2 and rate gamma = s_z, exactly the (w, gamma) of the
    generated tangent (Lyapunov) problem ``lyapunov_constant_gates``."""
    p = ModelParams.gated(3.0, beta_z=0.7, beta_r=-0.4, tau_z=1.3, tau_r=0.6)
    gen = load("gated")
    h, z, r = np.array([0.3, -1.2]), np.zeros(2), np.zeros(2)
    eta = (np.array([0.5, 0.1]), np.array([0.2, -0.3]), np.array([-0.1, 0.4]))
    lam = (np.array([1.0, -2.0]), np.array([0.0, 0.0]), np.array([0.0, 0.0]))
    local_h, local_z, local_r, mu_h, mu_z, mu_r = gen.adjoint_terms(h, z, r, *eta, *lam, **kwargs_for(gen.adjoint_terms, p))
    fac = dict(zip(gen.JACOBIAN_FACTORS, gen.jacobian_factors(h, z, r, *eta, **kwargs_for(gen.jacobian_factors, p))))
    s_z, s_r = expit(-0.7), expit(0.4)
    dphi = 3.0 / np.cosh(3.0 * h) ** 2
    np.testing.assert_allclose(local_h, -s_z * lam[0], rtol=1e-14)
    np.testing.assert_allclose(mu_h, s_z * lam[0], rtol=1e-14)
    np.testing.assert_allclose(fac["B_h_h"], s_r * dphi, rtol=1e-14)
    np.testing.assert_allclose([fac["B_h_r"], local_z, mu_z, mu_r], 0.0, atol=0)  # lambda_z, lambda_r decouple
    _, w, gamma = gen.lyapunov_constant_gates(0.0, **kwargs_for(gen.lyapunov_constant_gates, p))
    assert float(gamma) == pytest.approx(s_z, rel=1e-14)
    weight = (mu_h / lam[0] * fac["B_h_h"] / dphi) ** 2 / (local_h / lam[0]) ** 2
    np.testing.assert_allclose(weight, float(w), rtol=1e-14)


@pytest.mark.parametrize("params", [ModelParams.additive(2.0), ModelParams.gated(4.0, beta_r=0.5)])
def test_adjoint_mft_matches_dmft(params):
    th = adjoint_mft(params)
    dm = solve_dmft(params)
    assert th.e0_mismatch < 1e-7
    assert th.growth_rate == pytest.approx(dm.lambda_max, abs=1e-7)
    assert th.rho[0] == 1.0
    assert np.all(np.diff(th.rho[th.tau < 5]) < 0)
    # the tail of rho decays at rho_decay
    t1, t2 = 8.0 / th.rho_decay, 10.0 / th.rho_decay
    slope = -math.log(th.rho_at(t2) / th.rho_at(t1)) / (t2 - t1)
    assert slope == pytest.approx(th.rho_decay, rel=0.05)


def test_constant_gate_identity_rescales_time():
    """gated g_h = 4 (s_z = s_r = 1/2) is the additive g = 2 network with time stretched by 2."""
    a, g = adjoint_mft(ModelParams.additive(2.0)), adjoint_mft(ModelParams.gated(4.0))
    assert g.growth_rate == pytest.approx(a.growth_rate / 2, abs=1e-7)
    np.testing.assert_allclose(g.rho_at([0.5, 2.0, 6.0]), a.rho_at([0.25, 1.0, 3.0]), atol=1e-5)


@pytest.mark.parametrize("params", [ModelParams.gated(1.5), ModelParams.gated(1.2, beta_z=1.0, beta_r=-1.0),
                                    ModelParams.additive(0.6)])
def test_quiescent_rate_is_the_right_edge(params):
    edge = right_edge(params, (1e-12, 1e-12, 1e-12), tol=1e-12)
    assert quiescent_rate(params) == pytest.approx(edge, abs=1e-6)


def test_quiescent_rate_needs_the_zero_fixed_point():
    with pytest.raises(ValueError, match="beta_h = 0"):
        quiescent_rate(ModelParams.gated(1.5, beta_h=0.1))
    with pytest.raises(ValueError, match="zero inputs"):
        quiescent_rate(ModelParams.gated(1.5, I_h=0.2))


def test_gradient_regime():
    assert gradient_regime(0.1) == "explode"
    assert gradient_regime(-0.1) == "vanish"
    assert gradient_regime(0.0) == "persist"


def test_measure_adjoint_at_the_quiescent_state_matches_the_finite_n_abscissa():
    """At h = 0 the adjoint and tangent rates tend to the spectral abscissa of the finite network's
    Jacobian s_z(-1 + g s_r Jh) (same for J and J^T); finite-window error O(1/T)."""
    p = ModelParams.gated(1.5)
    net = GatedNetwork(p, 60, seed=2)
    abscissa = 0.5 * (-1 + 1.5 * 0.5 * np.max(np.linalg.eigvals(net.Jh).real))
    m = measure_adjoint(p, 60, 2, t_window=60.0, t_align=20.0, t_transient=30.0, dt=0.1)
    assert m.growth_rate == pytest.approx(abscissa, abs=0.02)
    assert m.tangent_rate == pytest.approx(abscissa, abs=0.02)
    assert m.rho.shape == (6,) and np.all(m.rho <= 1.0 + 1e-12)


def test_measure_adjoint_bad_input():
    with pytest.raises(ValueError, match="t_window"):
        measure_adjoint(ModelParams.additive(2.0), 10, 0, t_window=0.0)


@pytest.mark.parametrize("model_name", ["gated", "additive"])
def test_derived_adjoint_correlation_has_the_tangent_weight(model_name):
    """derivations/adjoint.py: the constant-gate adjoint correlation equation
    (d_s + gamma)(d_s' + gamma) C = gamma^2 w C_f C has the (w, gamma) of the tangent problem."""
    sp = pytest.importorskip("sympy")
    from derivations import adjoint, tangent
    from derivations.model import additive_model, gated_model

    model = gated_model() if model_name == "gated" else additive_model()
    adj = {e.label: e for e in adjoint.derive(model).equations}["adjoint correlation (constant gates)"]
    tan = {e.label: e for e in tangent.derive(model).equations}["lyapunov schroedinger"]
    x = sp.Symbol("x")
    # tangent: -psi'' + (1 - w C_f(u / gamma)) psi = E psi  ->  w = -d/dx of the potential at psi = 1
    pot = tan.lhs.replace(lambda e: isinstance(e, sp.Derivative), lambda e: 0)
    pot = pot.replace(lambda e: isinstance(e, sp.core.function.AppliedUndef) and str(e.func).startswith("C_"),
                      lambda e: x).replace(lambda e: isinstance(e, sp.core.function.AppliedUndef), lambda e: 1)
    w = -sp.diff(pot, x)
    # adjoint: lhs at C = 1 (no derivatives) is gamma^2; rhs at C = 1, C_f = x is gamma^2 w x
    lhs = adj.lhs.replace(lambda e: isinstance(e, sp.Derivative), lambda e: 0).replace(
        lambda e: isinstance(e, sp.core.function.AppliedUndef), lambda e: 1)
    rhs = adj.rhs.replace(lambda e: isinstance(e, sp.core.function.AppliedUndef) and "lambda" in str(e.func),
                          lambda e: 1).replace(lambda e: isinstance(e, sp.core.function.AppliedUndef), lambda e: x)
    assert sp.simplify(rhs / (lhs * x) - w) == 0
    assert w != 0


def test_adjoint_growth_rate_dispatch(monkeypatch):
    """Constant gates: the deterministic adjoint MFT; fluctuating gates: the sampled tangent DMFT
    (the growth rate is lambda_max of the tangent dynamics: the adjoint propagator is its transpose)."""
    from types import SimpleNamespace

    from theory import dmft_sampling, dmft_tangent_sampling
    from theory.adjoint_mft import adjoint_growth_rate

    const = adjoint_growth_rate(ModelParams.additive(2.0))
    assert const.method == "constant-gate DMFT" and const.stderr == 0.0
    assert const.growth_rate == pytest.approx(adjoint_mft(ModelParams.additive(2.0)).growth_rate, abs=1e-12)
    calls = {}
    monkeypatch.setattr(dmft_sampling, "solve_dmft_sampling", lambda p, **kw: calls.setdefault("sol", (p, kw)))
    monkeypatch.setattr(dmft_tangent_sampling, "lambda_max_sampling",
                        lambda sol, **kw: SimpleNamespace(lambda_max=0.031, lambda_max_stderr=0.004, kw=kw))
    p = ModelParams.gated(4.0, alpha_z=2.0)
    r = adjoint_growth_rate(p, dmft_kwargs=dict(n_paths=8), tangent_kwargs=dict(seed=3))
    assert r.method == "sampled tangent DMFT" and (r.growth_rate, r.stderr) == (0.031, 0.004)
    assert calls["sol"] == (p, dict(n_paths=8)) and r.tangent.kw == dict(seed=3)
    with pytest.raises(TypeError):
        adjoint_growth_rate({"g_h": 2.0})
