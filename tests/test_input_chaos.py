"""Pulse protocol of input-induced chaos: exact linear response, outcomes, bisection, errors."""

import numpy as np
import pytest
from scipy.linalg import expm, solve
from scipy.special import expit

from theory import GatedNetwork, ModelParams
from theory.input_chaos import minimal_pulse, pulse_pattern, pulse_response

STRONG = dict(alpha_r=20.0)


def test_small_pulse_matches_the_exact_linear_response():
    # at h = z = r = 0 the h block of the Jacobian is M = s_z(-1 + g_h s_r Jh) (phi(0) = 0 kills
    # the dr column, the dz column vanishes at a fixed point), so a pulse A xi on [0, T) gives
    # h(T) = A s_z M^{-1} (e^{M T} - 1) xi to first order in A
    p = ModelParams.gated(1.5, alpha_r=2.0, beta_z=0.5)
    n, a, T = 40, 1e-6, 1.0
    r = pulse_response(p, n, a, seed=3, t_pulse=T, t_after=1.0, t_window=1.0, dt=0.01)
    s_z, s_r = expit(-0.5), expit(0.0)
    M = s_z * (-np.eye(n) + 1.5 * s_r * GatedNetwork(p, n, seed=3).Jh)
    h = a * s_z * solve(M, (expm(M * T) - np.eye(n)) @ pulse_pattern(n, 3))
    # RK4 error at dt = 0.01 ~ 1e-10 relative, nonlinear terms ~ A^2: 1e-6 is loose for both
    assert r.mean_h2_after_pulse == pytest.approx(np.mean(h**2), rel=1e-6)


def test_no_pulse_stays_at_the_quiescent_fixed_point():
    r = pulse_response(ModelParams.gated(1.9, **STRONG), 30, 0.0, t_after=5.0, t_window=1.0)
    assert r.mean_h2_after_pulse == 0.0 and np.all(r.mean_h2 == 0.0) and not r.active


def test_below_the_topological_line_every_pulse_decays():
    # alpha_r = 20, g_h = 1.5 < g_topological = 1.628: the quiescent state is the only fixed
    # point and there is no chaos, so even a strong kick (<h^2> ~ 1 after it) dies out
    r = pulse_response(ModelParams.gated(1.5, **STRONG), 100, 3.0, seed=1, t_after=100.0)
    assert r.mean_h2_after_pulse > 0.5 and not r.active and r.mean_h2_end < 1e-4


def test_minimal_pulse_brackets_the_threshold_in_the_bistable_window():
    # g_h = 1.9 lies between g_topological = 1.628 and g_instability = 2 (static theory); this
    # network's quiescent state is linearly stable (g_h s_r max Re eig(Jh) = 0.94 < 1)
    p = ModelParams.gated(1.9, **STRONG)
    assert 1.9 * 0.5 * np.max(np.linalg.eigvals(GatedNetwork(p, 200, seed=2).Jh).real) < 1
    m = minimal_pulse(p, 200, seed=2, rtol=0.25)
    assert m.a_high / m.a_low <= 1.25 and m.a_low < m.amplitude < m.a_high
    outcome = {a: active for a, active, _ in m.trials}
    assert outcome[m.a_low] is False and outcome[m.a_high] is True
    assert pulse_response(p, 200, m.a_high, seed=2).active  # reproducible (seeded)


@pytest.mark.parametrize("kw, match", [
    (dict(params=ModelParams.gated(1.9, beta_h=0.1)), "beta_h"),
    (dict(params=ModelParams.gated(1.9, I_r=0.5)), "inputs"),
    (dict(amplitude=-1.0), "amplitude"),
    (dict(t_window=200.0), "t_window"),
    (dict(t_pulse=0.0), "t_pulse"),
])
def test_pulse_response_rejects_bad_input(kw, match):
    args = dict(params=ModelParams.gated(1.9), n=10, amplitude=0.1) | kw
    with pytest.raises(ValueError, match=match):
        pulse_response(args.pop("params"), args.pop("n"), args.pop("amplitude"), **args)


def test_minimal_pulse_errors_name_the_failing_end():
    p = ModelParams.gated(1.5, **STRONG)  # no chaotic attractor: nothing is ever active
    with pytest.raises(ValueError, match="a_max"):
        minimal_pulse(p, 30, a_start=0.5, a_max=1.0, t_after=20.0, t_window=5.0)
    with pytest.raises(ValueError, match="a_start"):
        minimal_pulse(p, 30, a_start=2.0, a_max=1.0)
    with pytest.raises(ValueError, match="rtol"):
        minimal_pulse(p, 30, rtol=2.0)
