"""theory.memory: marginal state, pulse protocols, readouts and the leak-only theory curves."""

import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import expit, logit, ndtr

from theory import memory as mem
from theory.errors import ConvergenceError
from theory.network import GatedNetwork
from theory.params import ModelParams
from theory.spectral_curve import frozen_fraction

N = 150


@pytest.fixture(scope="module")
def ms():
    return mem.marginal_state(mem.DEFAULT_PARAMS, N, seed=0)


def test_marginal_state_is_a_fixed_point_with_frozen_units(ms):
    assert np.max(np.abs(ms.network.vector_field(0.0, ms.state))) < 1e-8
    assert ms.F_hr0 > 1 > (1 - ms.frozen_fraction_theory) * ms.F_hr0  # gate-made marginal regime
    assert ms.frozen_fraction_theory == pytest.approx(0.5)  # theta_z = 0
    # empirical frozen fraction: binomial error of N units, 4 SE
    assert abs(ms.memory.mean() - 0.5) < 4 * math.sqrt(0.25 / N)
    u = ms.direction(3)
    assert np.linalg.norm(u) == pytest.approx(1.0) and np.all(u[~ms.memory] == 0)
    strict = ms.with_memory(1e-3)
    assert np.all(strict.s_z[strict.memory] < 1e-3) and strict.memory.sum() < ms.memory.sum()


def test_with_params_keeps_the_fixed_point_and_rejects_other_changes(ms):
    other = ms.with_params(ms.params.replace(alpha_z=30.0, beta_z=3.0))
    assert other.theta == pytest.approx(0.1)
    assert np.max(np.abs(other.network.vector_field(0.0, other.state))) < 1e-8
    with pytest.raises(ValueError, match="alpha_z, beta_z and tau_z"):
        ms.with_params(ms.params.replace(g_h=2.4))
    with pytest.raises(ValueError, match="s_max"):
        ms.with_memory(1.5)


def test_bad_parameters():
    with pytest.raises(ValueError, match="alpha_z"):
        mem.marginal_state(ModelParams.gated(2.5, alpha_r=1.0), N)
    with pytest.raises(ValueError, match="gated"):
        mem.marginal_state(ModelParams.additive(2.5), N)
    with pytest.raises(ValueError, match="no nonzero"):
        mem.marginal_state(ModelParams.gated(1.5, alpha_z=10.0), N)
    with pytest.raises(ValueError, match="n"):
        mem.marginal_state(mem.DEFAULT_PARAMS, 0)
    with pytest.raises(ValueError, match="constant scalar"):
        mem.marginal_state(mem.DEFAULT_PARAMS.replace(I_z=lambda t: 0.0), N)


def test_predicted_slow_fraction_is_the_frozen_fraction_at_the_eps_threshold(ms):
    p, b = ms.params, ms.branch
    eps = 1e-2
    theta = (logit(eps) + p.beta_z) / p.alpha_z
    assert mem.predicted_slow_fraction(p, b, eps) == pytest.approx(ndtr(theta / math.sqrt(b.q)), rel=1e-10)
    assert mem.predicted_slow_fraction(p, b, eps) == pytest.approx(frozen_fraction(p, b, theta), rel=1e-12)
    # hard-gate limit: P(s_z < eps) -> f0 = P(z < beta_z / alpha_z)
    hard = p.replace(alpha_z=1e6, beta_z=2e5)
    assert mem.predicted_slow_fraction(hard, b, eps) == pytest.approx(frozen_fraction(hard, b), abs=1e-4)
    with pytest.raises(ValueError, match="eps"):
        mem.predicted_slow_fraction(p, b, 1.5)


def test_hard_gate_zero_modes_are_the_frozen_units(ms):
    hard = ms.with_params(ms.params.replace(alpha_z=1e4))
    count = mem.slow_mode_count(hard, 1e-3)
    assert abs(count - int(hard.memory.sum())) <= 1  # a unit within 1e-3 / 1e4 of theta may differ
    with pytest.raises(ValueError, match="eps"):
        mem.slow_mode_count(hard, -1.0)


def test_pulse_train_heights_and_errors():
    u = np.array([1.0, -2.0])
    p = mem.PulseTrain([1.0, 3.0], [[0.5, 1.0], [2.0, -1.0]], 0.5, u)
    assert p.height(0.99) is None and p.height(1.5) is None
    np.testing.assert_allclose(p.height(1.0), [1.0, 2.0])
    np.testing.assert_allclose(p(3.2), np.outer(u, [4.0, -2.0]))
    assert p.end == 3.5
    with pytest.raises(ValueError, match="overlap"):
        mem.PulseTrain([1.0, 1.2], [1.0, 1.0], 0.5, u)
    with pytest.raises(ValueError, match="amplitudes"):
        mem.PulseTrain([1.0], [1.0, 2.0], 0.5, u)
    with pytest.raises(ValueError, match="duration"):
        mem.PulseTrain([1.0], [1.0], 0.0, u)
    with pytest.raises(ValueError, match="direction"):
        mem.PulseTrain([1.0], [1.0], 0.5, np.ones((2, 2)))


def test_state_pulses_on_hard_frozen_units_are_stored_exactly(ms):
    """alpha_z = 1e3, units with s_z < 1e-6: m = sum of areas up to leaks of 1e-6 per time unit.

    Small areas keep the recurrent shift of z (Jz phi' dh ~ 1e-3) below the margin 0.014 of these
    units from theta_z, so no gate opens (larger pulses do open some: see notebook 07)."""
    hard = ms.with_params(ms.params.replace(alpha_z=1e3)).with_memory(1e-6)
    r = mem.integration_trials(hard, 3, 0.01, 4, gap=1.0, dt=0.05)
    np.testing.assert_allclose(r["readout"], r["sums"], atol=1e-6 * 5 * 0.03)


def test_gated_route_matches_the_model_inputs(ms):
    """The driver's gated pulses and gate inputs are the model's own I^h and I^z."""
    u = ms.direction()
    pulses = mem.PulseTrain([0.2], [0.3], 0.5, u)
    gate = mem.GateInput(0.1, 1.0, 1.5, ms.memory.astype(float))
    driven = mem._Driven(ms.network, (), (pulses,), (gate,))
    p = ms.params.replace(alpha_z=10.0, I_h=pulses, I_z=gate)
    net = GatedNetwork(p, N, seed=ms.network.seed)
    rng = np.random.default_rng(0)
    y = ms.state + 0.1 * rng.standard_normal(ms.state.shape)
    for t in (0.0, 0.15, 0.3, 0.69, 1.2):
        np.testing.assert_allclose(driven.vector_field(t, y), net.vector_field(t, y), rtol=1e-13, atol=1e-14)


def test_gated_pulses_are_not_stored_without_gate_opening(ms):
    """I^h enters inside the gate: frozen units do not see it (finding reported in notebook 07)."""
    strict = ms.with_memory(1e-3)
    r = mem.integration_trials(strict, 1, 0.2, 4, route="gated", dt=0.05)
    assert np.max(np.abs(r["readout"])) < 2e-3 * np.max(np.abs(r["sums"]))
    with pytest.raises(ValueError, match="route"):
        mem.integration_trials(strict, 1, 0.2, 4, route="both")


def test_run_protocol_errors_and_noise_reproducibility(ms):
    with pytest.raises(ValueError, match="t_max"):
        mem.run_protocol(ms, 1.03, dt=0.1)
    with pytest.raises(ValueError, match="noise"):
        mem.run_protocol(ms, 1.0, noise=-1.0)
    with pytest.raises(ValueError, match="direction"):
        mem.run_protocol(ms, 1.0, state_pulses=mem.PulseTrain([0.1], [1.0], 0.1, np.ones(3)))
    with pytest.raises(ValueError, match="batch"):
        mem.run_protocol(ms, 1.0, batch=2, state_pulses=mem.PulseTrain([0.1], [[1.0, 1.0, 1.0]], 0.1, ms.direction()))
    with pytest.raises(ValueError, match="record_units"):
        mem.run_protocol(ms, 1.0, record_units=[N])
    u = ms.direction()
    frozen = np.nonzero(u)[0][:2]
    r = mem.run_protocol(ms, 2.0, u=u, state_pulses=mem.PulseTrain([0.5], [0.2], 0.5, u), record_units=frozen)
    assert r.units.shape == (r.t.size, 2, 1) and np.all(r.units[0] == 0)
    # frozen units (z* < 0, alpha_z = 10) move by ~ area * u_j during the pulse and then hold
    np.testing.assert_allclose(r.units[-1, :, 0], 0.2 * u[frozen], rtol=0.2)
    a = mem.memory_trace(ms, 2.0, amplitude=0.0, noise=0.1, noise_seed=4, batch=2)[1]
    b = mem.memory_trace(ms, 2.0, amplitude=0.0, noise=0.1, noise_seed=4, batch=2)[1]
    c = mem.memory_trace(ms, 2.0, amplitude=0.0, noise=0.1, noise_seed=5, batch=2)[1]
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_memory_curve_theory_against_quadrature(ms):
    p = ms.params.replace(alpha_z=6.0)
    q, t = ms.branch.q, np.array([0.0, 3.0, 30.0])

    def ref(tt):
        num = quad(lambda z: math.exp(-expit(6.0 * z) * tt) * math.exp(-z * z / (2 * q)), -12 * math.sqrt(q), 0.0,
                   epsabs=0, epsrel=1e-11)[0]
        return num / (math.sqrt(2 * math.pi * q) * 0.5)

    got = mem.memory_curve_theory(p, ms.branch, t)
    np.testing.assert_allclose(got, [ref(x) for x in t], rtol=1e-6)
    assert got[0] == pytest.approx(1.0)


def test_reset_curve_limits(ms):
    t = np.linspace(0.0, 5.0, 2001)
    z = np.array([-0.5, -0.2])
    # R = 0: each unit keeps its own closed-gate rate s_z(z*)
    p = ms.params
    np.testing.assert_allclose(mem.reset_curve_theory(p, z, [1.0, 0.0], 0.0, t),
                               np.exp(-expit(p.alpha_z * -0.5) * t), rtol=1e-12)
    # fast gate, huge input: s_z = 1 at once, trace e^-t
    fast = p.replace(tau_z=1e-4)
    # trapezoid rule over the jump of the rate in the first step: error <= dt / 2
    np.testing.assert_allclose(mem.reset_curve_theory(fast, z, [1.0, 1.0], 1e3, t), np.exp(-t), atol=t[1] / 2)
    with pytest.raises(ValueError, match="t must"):
        mem.reset_curve_theory(p, z, [1.0, 1.0], 1.0, t[1:])


def test_crossing_time_and_linear_readout():
    t = np.linspace(0, 20, 2001)
    assert mem.crossing_time(t, 3 * np.exp(-t / 5.0)) == pytest.approx(5.0, rel=1e-4)
    assert mem.crossing_time(t, np.ones_like(t)) == math.inf
    rng = np.random.default_rng(1)
    X = rng.standard_normal((40, 5))
    w0 = np.array([1.0, -2.0, 0.5, 0.0, 3.0])
    w, c = mem.fit_linear_readout(X, X @ w0 + 0.7, ridge=0.0)
    np.testing.assert_allclose(w, w0, atol=1e-10)
    assert c == pytest.approx(0.7)
    with pytest.raises(ValueError, match="features"):
        mem.fit_linear_readout(X, np.ones(3))


def test_memory_time_follows_the_linearisation(ms):
    m = ms.with_params(ms.params.replace(alpha_z=4.0))
    r = mem.memory_time(m, 30.0, linear=True, amplitude=0.02)
    assert np.isfinite(r["measured"]) and r["measured"] == pytest.approx(r["linear"], rel=0.02)
    np.testing.assert_allclose(r["m"], r["m_linear"], atol=0.01)


def test_reset_erases_the_trace(ms):
    r = mem.reset_time(ms, 4.0, duration=5.0, linear=True)
    assert r["d"][0] == 1.0 and abs(r["d"][-1]) < 0.1
    assert 1.0 < r["measured"] < 2.0 and 1.0 < r["theory"] < 1.3
    # linearised around the reference reset: first-order in the stored amplitude 0.1 (measured
    # sup difference ~5e-3 at N = 300)
    np.testing.assert_allclose(r["d"], r["d_linear"], atol=0.02)
    weak = mem.reset_time(ms, 0.05, duration=5.0)
    assert weak["measured"] == math.inf  # too weak to open the frozen gates within 5 time units


def test_no_nonzero_fixed_point_raises_convergence_error():
    # a network whose Newton starts find no fixed point near the branch (N = 2 is far from MFT)
    with pytest.raises((ConvergenceError, ValueError)):
        mem.marginal_state(mem.DEFAULT_PARAMS, 2, seed=0, n_starts=1)
