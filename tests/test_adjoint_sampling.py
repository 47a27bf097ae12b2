"""Sampled single-site adjoint DMFT (theory/adjoint_sampling.py)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import stats

from theory import ModelParams
from theory.adjoint_mft import adjoint_mft
from theory.adjoint_sampling import adjoint_correlation_sampling

from test_dmft_tangent_sampling import _exact_solution

LAGS = np.array([0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 6.0])


def test_constant_gates_reproduce_the_schroedinger_ground_state():
    """Additive g = 2 on the exact C_phi: rho(tau) = psi_0(tau)/psi_0(0) of adjoint_mft and
    mu(lambda_max) = 1. Tolerance: 99% Student-t quantile (7 dof: 8 batches) x the batch standard
    error (measured deviations at this seed: <= 1.2 stderr)."""
    params = ModelParams.additive(2.0)
    _, sol = _exact_solution(params, window=30.0, dt=0.1)
    th = adjoint_mft(params)
    r = adjoint_correlation_sampling(sol, th.growth_rate, n_paths=256, seed=1)
    q = stats.t.ppf(0.995, 7)
    se = np.interp(LAGS, r.tau, r.rho_stderr)
    assert np.all(np.abs(r.rho_at(LAGS) - th.rho_at(LAGS)) <= q * se), (r.rho_at(LAGS), th.rho_at(LAGS), se)
    assert np.all(se < 0.02)
    assert abs(r.mu - 1.0) <= q * r.mu_stderr
    assert r.rho[0] == 1.0 and set(r.p) == {"h"}


def test_update_gate_couples_lambda_z_and_is_seeded():
    """alpha_z > 0 (on a constant-gate C_phi, to isolate the adjoint step): lambda_z is driven by
    lambda_h through sigma_z'(z)(eta_h - h), so the back-sent z channel carries a nonzero share;
    with alpha_z = 0 it carries none. Same seed, same numbers."""
    _, sol = _exact_solution(ModelParams.gated(4.0), window=45.0, dt=0.2)
    kw = dict(n_paths=32, n_batches=4, n_power=2, n_keep=1, seed=3)
    flat = adjoint_correlation_sampling(sol, 0.05, **kw)
    gated = dataclasses.replace(sol, params=ModelParams.gated(4.0, alpha_z=5.0))
    a = adjoint_correlation_sampling(gated, 0.05, **kw)
    b = adjoint_correlation_sampling(gated, 0.05, **kw)
    assert flat.p["z"][0] == 0.0 and a.p["z"][0] > 0.01
    np.testing.assert_array_equal(a.rho, b.rho)


def test_bad_input():
    _, sol = _exact_solution(ModelParams.additive(2.0), window=20.0)
    with pytest.raises(TypeError):
        adjoint_correlation_sampling({"c_phi": 1}, 0.1)
    for bad, match in ((dict(growth_rate=float("nan")), "growth_rate"), (dict(n_paths=1), "n_paths"),
                       (dict(n_power=2, n_keep=3), "n_keep"), (dict(seed=-1), "seed")):
        args = dict(growth_rate=0.1)
        args.update(bad)
        with pytest.raises(ValueError, match=match):
            adjoint_correlation_sampling(sol, **args)
