"""Tangent DMFT on sampled paths (theory/dmft_tangent_sampling.py)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from theory import ModelParams
from theory._generated import load
from theory.dmft import solve_dmft
from theory.dmft_averages import correlation_table
from theory.dmft_sampling import FieldModel, SamplingDMFTResult
from theory.dmft_tangent_sampling import lambda_max_sampling


def _exact_solution(params, window=30.0, dt=0.1):
    """A SamplingDMFTResult carrying the exact constant-gate C_phi (isolates the tangent step)."""
    det = solve_dmft(params)
    tau = np.arange(int(round(window / dt)) + 1) * dt
    m = FieldModel(params)
    tab = correlation_table(lambda h: m.factors(h, np.zeros(1))[:1], ("f",), det.delta_h)
    c_h = det.c_h_at(tau)
    c_phi = tab("f", c_h)
    z = np.zeros_like(tau)
    return det, SamplingDMFTResult(params, det.delta_h, 0.0, det.tau_relax, 0.0, tau, c_h, z, c_phi, z, z, z,
                                   settings={"dt": dt, "window": window, "n_chains": 2})


@pytest.mark.parametrize("params, window, dt, n_paths", [
    (ModelParams.additive(2.0), 30.0, 0.1, 128), (ModelParams.gated(4.0, beta_z=-1.0), 45.0, 0.2, 256)])
def test_reproduces_schroedinger_ground_state(params, window, dt, n_paths):
    det, sol = _exact_solution(params, window=window, dt=dt)
    r = lambda_max_sampling(sol, n_paths=n_paths, n_batches=8, seed=4)
    # tolerance: 99% Student-t quantile (7 dof: 8 batches) x the propagated standard error of the root
    q = stats.t.ppf(0.995, 7)
    assert abs(r.lambda_max - det.lambda_max) <= q * r.lambda_max_stderr
    assert r.lambda_max_stderr < 0.3 * det.lambda_max
    assert r.p[0] == pytest.approx(1.0)


def test_root_is_bracketed_by_its_fit_from_a_far_start():
    # from lambda0 far below the root, one round extrapolates the straight line of log mu; the
    # rounds must go on until the root lies inside the lambdas of its own fit, and agree with the
    # exact ground state (tolerance: 99% Student-t, 7 dof, x the propagated stderr of the root)
    det, sol = _exact_solution(ModelParams.additive(2.0))
    r = lambda_max_sampling(sol, lambda0=0.01, spacing=0.005, rounds=1, n_paths=128, n_batches=8, seed=5)
    assert r.lambdas[0] <= r.lambda_max <= r.lambdas[-1]
    assert len(r.history) >= 2
    assert abs(r.lambda_max - det.lambda_max) <= stats.t.ppf(0.995, 7) * r.lambda_max_stderr


def test_tangent_kernel_is_the_generated_one():
    # the y equation uses tangent_field; at alpha_z = 0 it reduces to s_z (-y + d_eta)
    gen = load("gated")
    y, de = np.array([0.3, -1.0]), np.array([0.1, 0.4])
    out = gen.tangent_field(0.2, 0.5, 0.0, 0.1, 0.0, 0.0, y, 0.7, 0.0, de, 0.0, 0.0,
                            alpha_z=0.0, beta_z=0.0, tau_z=1.0, tau_r=1.0, I_h=0.0)[0]
    assert np.allclose(out, 0.5 * (de - y))


def test_seeded_and_bad_input():
    _, sol = _exact_solution(ModelParams.additive(2.0), window=20.0)
    kw = dict(n_paths=16, n_batches=2, n_power=2, rounds=1)
    a = lambda_max_sampling(sol, seed=1, **kw)
    b = lambda_max_sampling(sol, seed=1, **kw)
    assert a.lambda_max == b.lambda_max
    with pytest.raises(TypeError):
        lambda_max_sampling({"c_phi": 1})
    for bad, match in ((dict(n_paths=1), "n_paths"), (dict(n_power=1), "n_power"), (dict(rounds=0), "rounds"),
                       (dict(rounds=2, max_rounds=1), "max_rounds")):
        with pytest.raises(ValueError, match=match):
            lambda_max_sampling(sol, **bad)
