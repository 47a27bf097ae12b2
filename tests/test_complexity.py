"""Kac-Rice complexity: generated factors, log-potential, Gaussian bound, fixed-point counts."""

import math

import numpy as np
import pytest

from theory import ModelParams
from theory import complexity as cx
from theory._generated import kwargs_for, load
from theory.errors import ConvergenceError
from theory.fixed_points import find_fixed_point
from theory.gates import dphi_from_phi, dsigmoid, phi, sigmoid
from theory.network import GatedNetwork
from theory.static_mft import solve_static


def test_generated_factors_match_hand_formulas_and_jacobian_factors():
    p = ModelParams.gated(1.7, alpha_r=3.0, beta_r=0.4, beta_h=0.2)
    rng = np.random.default_rng(0)
    eh, er = 0.5 * rng.standard_normal(50), 0.5 * rng.standard_normal(50)
    T, s = cx.unit_factors(p, eh, er)
    ph, sr = phi(eh, p.g_h, p.beta_h), sigmoid(er, p.alpha_r, p.beta_r)
    dph = dphi_from_phi(ph, p.g_h)
    np.testing.assert_allclose(T[:, 0, 0], sr * dph, rtol=1e-12)
    np.testing.assert_allclose(T[:, 0, 1], ph * dsigmoid(er, p.alpha_r, p.beta_r), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(T[:, 1, 0], dph, rtol=1e-12)
    assert np.all(T[:, 1, 1] == 0)
    np.testing.assert_allclose(s, np.stack([sr * ph, ph], axis=1), rtol=1e-12)
    # the field-space factors are the send slopes B of the Jacobian (x* = eta + I)
    gen = load("gated")
    f = dict(zip(gen.JACOBIAN_FACTORS, gen.jacobian_factors(eh, 0 * eh, er, eh, 0 * eh, er,
                                                             **kwargs_for(gen.jacobian_factors, p))))
    np.testing.assert_allclose(T[:, 0, 0], f["B_h_h"], rtol=1e-12)
    np.testing.assert_allclose(T[:, 0, 1], f["B_h_r"], rtol=1e-12)
    np.testing.assert_allclose(T[:, 1, 0], f["B_r_h"], rtol=1e-12)


def test_generated_log_density():
    gen = load("gated")
    eh, er, Qh, Qr = 0.3, -0.2, 0.4, 0.7
    expected = (-eh**2 / (2 * Qh) - 0.5 * math.log(2 * math.pi * Qh)
                - er**2 / (2 * Qr) - 0.5 * math.log(2 * math.pi * Qr))
    assert float(gen.kac_rice_log_density(eh, er, Qh, Qr)) == pytest.approx(expected, rel=1e-14)


def test_derivation_cancellation_and_schur():
    sp = pytest.importorskip("sympy")
    from derivations import complexity as dc
    from derivations.model import gated_model

    assert dc.gaussian_cancellation(2) == 0
    M, schur = dc.schur_reduction()
    n = M.blocks[0, 0].shape[0]
    assert sp.simplify(sp.det(M) - (-1) ** n * sp.Determinant(schur)) == 0
    T = dc.factor_matrix(gated_model())
    assert all(T[k, 1] == 0 for k in range(3))  # the z channel does not feed back


@pytest.mark.parametrize("g", [0.6, 0.9, 1.0])
def test_additive_no_complexity_at_or_below_one(g):
    c = cx.complexity(ModelParams.additive(g))
    assert c.sigma_gaussian == 0.0 and c.branch is None and c.branches == []


def test_additive_positive_above_one_and_increasing():
    """Wainrib & Touboul (2013): the additive complexity switches on at g = 1."""
    values = [cx.complexity(ModelParams.additive(g)).sigma_gaussian for g in (1.1, 1.5, 2.0)]
    assert values[0] > 0 and np.all(np.diff(values) > 0)


def test_constant_gates_equal_additive_at_half_gain():
    """alpha_r = 0, beta_r = 0: s_r = 1/2, M = -I + Jh [phi'/2], the additive model at gain g/2.
    The two computations use different grids (r axis collapsed vs not needed): agreement to 1e-5
    is the quadrature accuracy."""
    a = cx.complexity(ModelParams.gated(3.0)).sigma_gaussian
    b = cx.complexity(ModelParams.additive(1.5)).sigma_gaussian
    assert a > 0 and a == pytest.approx(b, abs=1e-5)


def test_log_potential_zero_outside_the_bulk():
    """A stable branch (F_hr(0) < 1): lambda = 0 is outside the bulk, Phi = log|det(-I)|/N = 0."""
    p = ModelParams.gated(2.0, alpha_r=2.0, beta_h=0.5)
    (b,) = solve_static(p).nonzero
    assert b.F_hr0 < 1
    lp = cx.log_potential(p, b)
    assert abs(lp.phi) < 1e-6 and lp.f0 < 1e-6


def test_log_potential_grid_converged():
    """Default quadrature vs a finer grid: the difference bounds the discretisation error."""
    p = ModelParams.gated(2.2, alpha_r=20.0)
    b = max(solve_static(p).nonzero, key=lambda b: b.delta_h)
    coarse = cx.log_potential(p, b).phi
    fine = cx.log_potential(p, b, n_nodes=(111, 221)).phi
    assert coarse > 0.01 and coarse == pytest.approx(fine, abs=1e-5)


def test_log_potential_eta_grid_converged():
    p = ModelParams.additive(2.0)
    (b,) = solve_static(p).nonzero
    coarse = cx.log_potential(p, b).phi
    fine = cx.log_potential(p, b, n_eta=241, eta_range=(1e-10, 1e3)).phi
    assert coarse > 0.005 and coarse == pytest.approx(fine, abs=1e-6)


def test_log_potential_against_random_matrices():
    """Phi against (1/N) log|det M| of sampled matrices (additive, g = 3). Tolerance: 3 standard
    errors over seeds at N plus the measured drift between N/2 and N (the finite-size bias,
    O(1/N) up to logs, is about the size of that drift)."""
    p = ModelParams.additive(3.0)
    (b,) = solve_static(p).nonzero
    theory = cx.log_potential(p, b).phi
    n, seeds = 1200, range(4)
    big = np.array([cx.sampled_log_det(p, b, n, s) for s in seeds])
    half = np.array([cx.sampled_log_det(p, b, n // 2, 10 + s) for s in seeds])
    se = big.std(ddof=1) / math.sqrt(big.size)
    drift = abs(big.mean() - half.mean())
    assert abs(big.mean() - theory) < 3 * se + drift


def test_batched_newton_matches_fixed_points_module():
    p = ModelParams.gated(2.2, alpha_r=20.0)
    res = cx.count_fixed_points(p, 12, seed=3, n_starts=150)
    net = GatedNetwork(p, 12, seed=3)
    ref = []  # theory.fixed_points' one-start Newton from the same starts
    for h0 in cx.newton_starts(12, 3, 150):
        try:
            h = find_fixed_point(net, h0, eigenvalues=False).state[0]
        except ConvergenceError:
            continue
        if all(np.max(np.abs(h - o)) >= 1e-6 for o in ref):
            ref.append(h)
    assert res.count == len(ref) >= 2
    for h in ref:  # every reference fixed point is among ours
        assert np.min(np.max(np.abs(res.states - h), axis=1)) < 1e-6
    g, _ = cx._residual_jacobian(net, res.states, False)
    assert np.max(np.abs(g)) < 1e-9
    assert res.found_vs_starts[-1] == res.count and np.all(np.diff(res.found_vs_starts) >= 0)


def test_count_statistics_shapes_and_zero_fixed_point():
    st = cx.count_statistics(ModelParams.additive(0.5), [6, 8], seeds=[0, 1, 2], n_starts=20)
    # g = 0.5: g ||J|| < 1 typically; the zero fixed point is always found (start h0 = 0)
    assert np.all(st["counts"] >= 1) and st["mean"].shape == (2,)
    assert np.all(st["saturation"] <= 1)


@pytest.mark.parametrize("call, match", [
    (lambda: cx.count_fixed_points(ModelParams.additive(2.0), 0), "n must"),
    (lambda: cx.count_fixed_points(ModelParams.additive(2.0), 8, n_starts=0), "n_starts"),
    (lambda: cx.complexity_curve(ModelParams.additive(2.0), [1.0, -1.0]), "g_values"),
    (lambda: cx.log_potential(ModelParams.additive(2.0), (0.0, 0.0)), "D_h = 0"),
    (lambda: cx.log_potential(ModelParams.additive(2.0), (0.3, 0.3), n_eta=10), "n_eta"),
    (lambda: cx.count_statistics(ModelParams.additive(2.0), [8], seeds=[0]), "seeds"),
    (lambda: cx.complexity("gated"), "ModelParams"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_cli_complexity_json(run_cli):
    import json

    code, out, _ = run_cli("complexity", "--model", "additive", "--g-h", "2", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) >= {"g_h", "sigma", "sigma_gaussian", "branch", "method"}
    ref = cx.complexity(ModelParams.additive(2.0), tilted=True)
    assert data["branch"] == 0 and data["sigma"] == pytest.approx(ref.sigma, rel=1e-12)
    assert data["sigma_gaussian"] == pytest.approx(ref.sigma_gaussian, rel=1e-12)
    code, out, _ = run_cli("complexity", "--model", "additive", "--g-h", "2", "--gaussian-only", "--json")
    assert code == 0 and json.loads(out)["sigma"] is None
    code, _, err = run_cli("complexity", "--g-h", "nan")
    assert code == 2 and err.strip().count("\n") == 0


@pytest.mark.parametrize("p", [ModelParams.additive(2.0), ModelParams.gated(2.5, alpha_r=20.0),
                               ModelParams.gated(2.0, alpha_r=2.0, beta_h=0.5)])
def test_saddle_free_energy_equals_eta_integral(p):
    """Two independent routes to Phi: the eta-integral of the hermitised resolvent and the saddle
    free energy <psi> - (1/2) mu.nu at eta = 0 (agreement to the eta grid accuracy, 1e-6)."""
    b = max(solve_static(p).nonzero, key=lambda b: b.delta_h)
    assert cx.log_potential_saddle(p, b) == pytest.approx(cx.log_potential(p, b).phi, abs=1e-6)


def test_tilted_law_raises_the_exponent_and_respects_identities():
    add = cx.tilted_complexity(ModelParams.additive(2.0), solve_static(ModelParams.additive(2.0)).nonzero[0])
    assert add.change < 1e-8 and add.sigma > add.sigma_gaussian > 0  # stationary, above the branch value
    # start value = Phi at the branch (grid vs quadrature: 1e-6)
    assert add.sigma_gaussian == pytest.approx(cx.complexity(ModelParams.additive(2.0)).sigma_gaussian, abs=1e-6)
    # constant gates: the additive model at half gain
    gated = cx.tilted_complexity(ModelParams.gated(4.0), solve_static(ModelParams.gated(4.0)).nonzero[0])
    assert gated.sigma == pytest.approx(add.sigma, abs=1e-8)
    # stable branch: no log-potential, the law stays at the branch and sigma = 0
    p = ModelParams.gated(2.0, alpha_r=2.0, beta_h=0.5)
    st = cx.tilted_complexity(p, solve_static(p).nonzero[0])
    assert abs(st.sigma) < 1e-6


def test_tilted_log_potential_against_random_matrices():
    """Phi at the tilted (non-Gaussian) law vs slogdet of matrices with fields drawn from it;
    tolerance 3 standard errors over seeds + the N/2 -> N drift (as for the Gaussian law)."""
    p = ModelParams.additive(3.0)
    tc = cx.tilted_complexity(p, solve_static(p).nonzero[0])
    xh, _ = tc.grid
    dens = tc.density.ravel()
    T, _ = cx.unit_factors(p, xh)
    fmap = cx._saddle_map0(T)
    mu, nu = cx._solve_saddle0(fmap, dens, 1, np.ones(1))
    theory = float(dens @ fmap(mu, nu, dens)[2] - 0.5 * mu @ nu)
    rng = np.random.default_rng(np.random.SeedSequence(5))

    def sample(n):
        eh = rng.choice(xh, size=n, p=dens) + (xh[1] - xh[0]) * (rng.random(n) - 0.5)
        t = cx.unit_factors(p, eh)[0][:, 0, 0]
        m = rng.standard_normal((n, n)) / math.sqrt(n) * t[None, :]
        m[np.diag_indices(n)] -= 1.0
        return np.linalg.slogdet(m)[1] / n

    big = np.array([sample(1200) for _ in range(4)])
    half = np.array([sample(600) for _ in range(4)])
    tol = 3 * big.std(ddof=1) / 2 + abs(big.mean() - half.mean())
    assert theory > 2 * cx.complexity(p).sigma_gaussian
    assert abs(big.mean() - theory) < tol
