"""Sampling DMFT (theory/dmft_sampling.py): reduction to the deterministic solver, seeding, errors."""

from __future__ import annotations

import numpy as np
import pytest

from theory import ModelParams
from theory._generated import load
from theory.dmft import solve_dmft
from theory.dmft_sampling import (FieldModel, lag_correlation, periodic_spectrum, sample_stationary_paths,
                                  solve_dmft_sampling)
from theory.errors import ConvergenceError

SMALL = dict(n_paths=128, n_chains=8, n_batches=4, window=30.0)


@pytest.fixture(scope="module")
def additive_solution():
    return solve_dmft_sampling(ModelParams.additive(2.0), seed=3, **SMALL)


def test_circulant_paths_have_the_requested_correlation():
    tau = np.arange(801) * 0.05
    c = 0.5 * np.exp(-0.5 * (tau / 2.0) ** 2)
    c[tau > 15] = 0
    x = sample_stationary_paths(periodic_spectrum(c), 400, np.random.default_rng(0))
    est = lag_correlation(x, 100)
    mean, se = est.mean(1), est.std(1, ddof=1) / np.sqrt(x.shape[1])
    # each path's time average of x x' has its own error: compare within 4 standard errors
    assert np.all(np.abs(mean - c[:101]) < 4 * se + 1e-12)


def test_lag_correlation_matches_direct_sum():
    x = np.random.default_rng(1).standard_normal((50, 3))
    est = lag_correlation(x, 5)
    for k in range(6):
        assert np.allclose(est[k], np.mean(x[: 50 - k] * x[k:], axis=0))
    with pytest.raises(ValueError, match="n_lag"):
        lag_correlation(x, 50)


def test_single_site_kernels_are_the_generated_ones():
    # the solver's dh/dt and factors are the generated kernels (no hand-typed model)
    p = ModelParams.gated(3.0, alpha_z=2.0, alpha_r=1.5, beta_r=0.3)
    m = FieldModel(p)
    gen = load("gated")
    rng = np.random.default_rng(2)
    h, z, r, eta = rng.standard_normal((4, 7))
    assert np.allclose(m.dh_dt(h, z, eta), (eta - h) / (1 + np.exp(-2.0 * z)))
    f, df, s, ds = m.factors(h, r)
    dsend = gen.tangent_sends(h, z, r, 1.0, 0.0, 0.0, g_h=3.0, alpha_r=1.5, beta_r=0.3, beta_h=0.0)[0]
    assert np.allclose(df * s, dsend)                       # d s_h / d h = phi' sigma_r
    assert np.allclose(f * s, gen.sends(h, z, r, g_h=3.0, alpha_r=1.5, beta_r=0.3, beta_h=0.0)[0])


def test_reduces_to_deterministic_solver_at_constant_gates(additive_solution):
    r = additive_solution
    d = solve_dmft(ModelParams.additive(2.0))
    # tolerance: 3 x the chain standard error reported by the solver (4 independent chains)
    assert abs(r.delta_h - d.delta_h) < 3 * r.delta_h_stderr
    assert abs(r.tau_relax - d.tau_relax) < 3 * r.tau_relax_stderr
    assert r.delta_h_stderr < 0.05 * r.delta_h
    exact = d.c_h_at(r.tau)
    assert np.all(np.abs(r.c_h - exact) < 3 * r.c_h_stderr + 1e-3 * d.delta_h)


def test_outputs_consistent(additive_solution):
    r = additive_solution
    assert r.c_h[0] == pytest.approx(r.delta_h)
    # additive: z and r are the exact low-pass filters of C_phi (tau = 1): C_z(0) < C_phi(0)
    assert 0 < r.c_z[0] < r.c_phi[0]
    assert np.allclose(r.c_z, r.c_r)
    d = r.as_dict()
    assert set(d["corr"]) >= {"tau", "c_h", "c_phi", "c_z", "c_r"}
    assert d["residuals"] and 1 <= d["n_iter"] <= len(d["residuals"])


def test_seeded_reproducibility():
    kw = dict(n_paths=32, n_chains=2, n_batches=2, window=30.0, max_iter=40, trend_window=4, n_average=1)
    a = solve_dmft_sampling(ModelParams.additive(2.0), seed=5, **kw)
    b = solve_dmft_sampling(ModelParams.additive(2.0), seed=5, **kw)
    c = solve_dmft_sampling(ModelParams.additive(2.0), seed=6, **kw)
    assert np.array_equal(a.c_h, b.c_h) and a.delta_h == b.delta_h
    assert a.delta_h != c.delta_h


def test_window_tail_test_caps_the_noise_allowance():
    from theory.dmft_sampling import _window_decayed

    lags = np.arange(100)

    def batches(tail_level, noise):
        # C_h(0) = 1; over the last fifth 8 batches sit at tail_level -+ noise (2 SE = 0.76 noise)
        c = np.where(lags < 80, np.exp(-lags / 10), tail_level)[None, :]
        return c + noise * np.array([-1.0, 1.0] * 4)[:, None] * (lags >= 80)

    assert _window_decayed(batches(0.01, 1e-3), 0.02)          # decayed
    assert not _window_decayed(batches(0.03, 1e-3), 0.02)      # clearly not decayed
    assert _window_decayed(batches(0.03, 0.03), 0.02)          # within the noise allowance
    # an undecayed tail (0.067 C_h(0), as once at alpha_z = 10) does not pass however noisy
    assert not _window_decayed(batches(0.067, 0.5), 0.02)


def test_convergence_error_carries_residual_history():
    with pytest.raises(ConvergenceError) as info:
        solve_dmft_sampling(ModelParams.additive(2.0), n_paths=16, n_chains=2, n_batches=2, window=20.0,
                            max_iter=2, noise_factor=1e-6, seed=0)
    assert len(info.value.residuals) == 2


@pytest.mark.parametrize("kwargs, match", [
    (dict(n_paths=3), "n_paths"), (dict(n_chains=1), "n_chains"), (dict(dt=0.0), "dt"),
    (dict(dt=1.0), "dt"), (dict(damping=0.0), "damping"), (dict(window=0.1), "window"),
    (dict(seed=-1), "seed"), (dict(max_iter=0), "max_iter"), (dict(trend_window=2), "trend_window"),
])
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        solve_dmft_sampling(ModelParams.additive(2.0), **kwargs)


def test_bad_params():
    with pytest.raises(ValueError, match="beta_h"):
        solve_dmft_sampling(ModelParams.gated(2.0, beta_h=0.5))
    with pytest.raises(ValueError, match="I_h"):
        solve_dmft_sampling(ModelParams.gated(2.0, I_h=0.1))
    with pytest.raises(TypeError):
        solve_dmft_sampling({"g_h": 2.0})


def test_cli_routes_fluctuating_gates_to_sampling(run_cli):
    import json
    code, out, err = run_cli("dmft", "--model", "additive", "--g-h", "2", "--solver", "sampling",
                             "--n-paths", "32", "--n-chains", "2", "--n-tau", "5", "--tangent-paths", "0",
                             "--json")
    assert code == 0, err
    d = json.loads(out)
    assert {"delta_h", "tau_relax", "lambda_max", "delta_h_stderr", "tau_relax_stderr"} <= set(d)
    assert {"tau", "c_h", "c_phi", "c_z", "c_r"} <= set(d["corr"]) and d["lambda_max"] is None
    code, _, err = run_cli("dmft", "--g-h", "4", "--alpha-z", "2", "--n-chains", "1")
    assert code == 2 and "n_chains" in err
