"""Deterministic output-gate DMFT (alpha_z = 0, alpha_r >= 0): averages, solver, lambda_max, onset."""

import math

import numpy as np
import pytest

from theory import ModelParams
from theory import dmft_output_gate as og
from theory.dmft import solve_dmft
from theory.dmft_averages import stationary_autocorrelations


@pytest.mark.parametrize("alpha_r, beta_r, var", [(2.0, 0.0, 0.3), (20.0, 0.5, 0.05)])
def test_two_point_on_grid_matches_the_reference_trapezoid(alpha_r, beta_r, var):
    k = og._Kernel(ModelParams.gated(1.0, alpha_r=alpha_r, beta_r=beta_r))
    c = var * np.array([-0.3, 0.0, 1e-7, 0.01, 0.5, 0.99, 1.0])
    for funcs, c0 in ((k.g_terms, var), (k.f_terms, 3.0)):
        cc = c * (c0 / var)
        fast = og.two_point_on_grid(funcs, c0, cc)
        ref = stationary_autocorrelations(funcs, c0, cc)
        # the reference stops its node doubling at a change <= 1e-12 of the batch scale
        assert np.max(np.abs(fast - ref) / np.max(np.abs(ref), axis=1, keepdims=True)) < 1e-12


def test_kernel_is_the_derived_lag_problem():
    # gamma2_h = c2_h = s_z^2, gamma2_r = c2_r = 1 / tau_r^2 (derivations/dmft.py, lag equations)
    p = ModelParams.gated(1.0, alpha_r=3.0, beta_z=0.7, tau_r=2.5)
    k = og._Kernel(p)
    s_z = 1.0 / (1.0 + math.exp(0.7))
    assert (k.gamma2_h, k.c2_h) == pytest.approx((s_z ** 2, s_z ** 2), rel=1e-15)
    assert (k.gamma2_r, k.c2_r) == pytest.approx((0.16, 0.16), rel=1e-15)


def test_jacobian_matches_finite_differences():
    p = ModelParams.gated(2.5, alpha_r=3.0, beta_r=0.5)
    k = og._Kernel(p)
    grid = og._Grid(256, 50.0)
    cx = og._guess(k, grid, 1.0)
    s = og._State(k, grid, cx)
    jac = og._jacobian_core(grid, s)
    rng = np.random.default_rng(0)
    for v in (grid.even(np.exp(-grid.tau ** 2 / 20) * rng.standard_normal(256)), np.eye(256)[0]):
        eps = 1e-6
        fd = (og._State(k, grid, cx + eps * v).drive - og._State(k, grid, cx - eps * v).drive) / (2 * eps)
        # central differences: error ~ eps^2 * third derivative, table error ~1e-12 / eps
        assert np.max(np.abs(jac @ v - fd)) < 1e-7 * np.max(np.abs(fd))


@pytest.mark.parametrize("g_h, beta_z, beta_r", [(3.0, 0.0, 0.0), (2.5, 0.5, -0.4)])
def test_reduces_to_the_constant_gate_solver(g_h, beta_z, beta_r):
    p = ModelParams.gated(g_h, beta_z=beta_z, beta_r=beta_r)
    ref = solve_dmft(p)
    s_z = 1.0 / (1.0 + math.exp(beta_z))
    res = og.solve_dmft_output_gate(p, n=1024, tau_max=80.0 / s_z)
    # solver precision: Newton 1e-11, tables 1e-10, periodic FFT grid spectrally accurate once
    # C_h has decayed (tail < 1e-9); the constant-gate solver reaches ~1e-10 (its tolerances)
    assert res.tolerances["tail"] < 1e-9
    assert res.delta_h == pytest.approx(ref.delta_h, rel=1e-8)
    assert np.allclose(res.c_h, ref.c_h_at(res.tau), atol=1e-8 * ref.delta_h)
    assert res.tau_tail == pytest.approx(ref.tau_tail, rel=1e-8)
    assert res.tau_relax == pytest.approx(ref.tau_relax, rel=1e-7)
    # two-replica lambda_max = Schroedinger ground state (alpha_r = 0: C_g' = 0, K = G C_{f'})
    assert res.tolerances["lambda_grid"] < 1e-9
    assert res.lambda_max == pytest.approx(ref.lambda_max, abs=1e-8)


def test_fluctuating_gate_solution_and_branch():
    p = ModelParams.gated(1.8, alpha_r=20.0)
    res = og.solve_dmft_output_gate(p, n=256, tau_max=60.0)
    assert res.tolerances["newton"] < 1e-10 and res.tolerances["spectrum_min"] > -1e-8
    # the same point on the branch parametrised by the variance
    full = 1.8 ** 2 * np.concatenate([res.c_h, res.c_h[-2:0:-1]])
    n = full.size                        # the grid the solver ended on (extended until C_h decayed)
    g, again, _ = og.solve_at_variance(p, full[0], guess=full * (1 + 0.02 * np.cos(2 * np.pi * np.arange(n) / n)),
                                       n=n, tau_max=float(res.tau[-1]))
    assert g == pytest.approx(1.8, rel=1e-9)
    assert again.lambda_max == pytest.approx(res.lambda_max, abs=1e-9)
    # self-consistency of the output gate: C_r(0) = <phi^2> filtered, > 0; lambda_max > 0 (chaos)
    assert res.delta_r > 0 and res.lambda_max > 0


def test_onset_is_a_fold_with_positive_lambda_for_a_strong_gate():
    from theory.transitions import transitions

    from theory.transitions import output_gate_onset

    p = ModelParams.gated(1.0, alpha_r=20.0)
    on = output_gate_onset(p)            # cached: the same computation as transitions()
    t = transitions(p)
    assert t.g_chaos == pytest.approx(on.g_chaos, abs=1e-6) and t.discontinuous is True
    # ordering of THEORY.md section 6: fixed points, chaos, instability
    assert t.g_topological < on.g_chaos < t.g_instability
    assert on.discontinuous and on.lambda_max > 0 and on.delta_h > 0
    # it is the minimum of g_h(D) over the branch (all scanned points lie above it)
    assert all(b[1] >= on.g_chaos - 1e-9 for b in on.branch)


def test_onset_continuous_for_a_weak_gate():
    from theory.transitions import output_gate_onset

    # alpha_r = 2 (cached: the same computation as the phase-diagram tests at alpha_r = 2)
    on = output_gate_onset(ModelParams.gated(1.0, alpha_r=2.0))
    assert on.discontinuous is False and on.g_chaos == pytest.approx(2.0, rel=1e-12)
    gs = [b[1] for b in on.branch]
    assert all(a > b for a, b in zip(gs, gs[1:]))   # g_h(D) decreases toward D -> 0
    assert gs[-1] > 2.0


def test_bad_input():
    with pytest.raises(ValueError, match="alpha_z"):
        og.solve_dmft_output_gate(ModelParams.gated(2.0, alpha_z=1.0, alpha_r=1.0))
    with pytest.raises(ValueError, match="beta_h"):
        og.solve_dmft_output_gate(ModelParams.gated(2.0, alpha_r=1.0, beta_h=0.1))
    with pytest.raises(ValueError, match="gated"):
        og.solve_dmft_output_gate(ModelParams.additive(2.0))
