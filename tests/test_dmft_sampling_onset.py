"""Tests of theory.dmft_sampling_onset (fixed-amplitude sampling DMFT, g_chaos for any gates)."""

import math

import numpy as np
import pytest

from theory.dmft_output_gate import variance_branch
from theory.dmft_sampling_onset import _fold, branch_point_sampling, chaos_onset_sampling
from theory.errors import ConvergenceError
from theory.params import ModelParams
from theory.validation.adjoint import t_factor


def test_branch_point_matches_the_deterministic_branch():
    """alpha_z = 0 (h Gaussian): the deterministic output-gate branch point (A = C_phi(0), g_h) is
    a fixed point of the fixed-amplitude map. Started from the deterministic C_phi, the sampled
    g_h agrees within the 99% Student-t multiple of the chain stderr (4 chains). (From a Gaussian
    bump, 8 burn-in iterations left g_h +0.02 high at 64 paths; 15 removed it: z = 0.6, 1.6.)"""
    p = ModelParams.gated(1.0, alpha_r=2.0)
    (_, g_det, res, _, _), = variance_branch(p, [0.5])
    amp = float(res.c_phi[0])
    g, se, chains, c_phis = branch_point_sampling(p, amp, n_paths=64, n_chains=4, n_burn=4, n_average=16,
                                                  window=80.0, seed=3,
                                                  c_phi_init=lambda t: np.interp(t, res.tau, res.c_phi, right=0.0))
    assert chains.shape == (4,) and len(c_phis) == 4
    assert all(abs(c[0] - amp) < 1e-12 * amp for c in c_phis)    # the amplitude is held fixed
    assert abs(g - g_det) < t_factor(4) * se, (g, se, g_det)


def test_fold_vertex_of_noisy_parabola():
    """_fold returns the vertex of g(log A) and an error that covers the scatter of the chains."""
    rng = np.random.default_rng(0)
    amps = np.geomspace(0.3, 0.01, 8)
    x = np.log(amps)
    truth = 1.7 + 0.05 * (x - math.log(0.05)) ** 2
    chains = truth[:, None] + 0.002 * rng.standard_normal((amps.size, 6))
    g0, se, i = _fold(amps, chains)
    assert 1 <= i <= amps.size - 2
    assert 0 < se < 0.01
    assert abs(g0 - 1.7) < 4 * se + 0.002


@pytest.mark.parametrize("kwargs, match", [
    (dict(amplitudes=(0.1, 0.2, 0.3)), "decreasing"),
    (dict(amplitudes=(0.3, 0.1)), "decreasing"),
    (dict(amplitudes=(1.2, 0.5, 0.1)), "decreasing"),
])
def test_onset_rejects_bad_amplitudes(kwargs, match):
    with pytest.raises(ValueError, match=match):
        chaos_onset_sampling(ModelParams.gated(1.0, alpha_z=2.0, alpha_r=20.0), **kwargs)


def test_onset_rejects_additive_and_bad_point_input():
    with pytest.raises(ValueError, match="gated"):
        chaos_onset_sampling(ModelParams.additive(1.0))
    with pytest.raises(ValueError, match="gated"):
        branch_point_sampling(ModelParams.additive(1.0), 0.1)
    p = ModelParams.gated(1.0, alpha_r=2.0)
    with pytest.raises(ValueError, match="amplitude"):
        branch_point_sampling(p, 1.5)
    with pytest.raises(ValueError, match="n_chains"):
        branch_point_sampling(p, 0.1, n_chains=1)


def test_window_too_short_raises():
    """C_h that has not decayed in the lag window is an explicit error, not a biased g_h."""
    p = ModelParams.gated(1.0, alpha_r=2.0)
    with pytest.raises(ConvergenceError, match="window"):
        branch_point_sampling(p, 0.2, n_paths=16, n_chains=2, n_burn=1, n_average=2, window=3.0, dt=0.1)
