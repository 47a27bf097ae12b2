"""GatedNetwork: seeding, shapes, inputs, vector field, limits of THEORY.md section 1."""

import numpy as np
import pytest
from scipy.special import expit

from theory import GatedNetwork, ModelParams


def test_same_seed_same_network_different_seed_different():
    p = ModelParams.gated(2.0)
    a, b, c = GatedNetwork(p, 50, seed=3), GatedNetwork(p, 50, seed=3), GatedNetwork(p, 50, seed=4)
    assert np.array_equal(a.Jh, b.Jh) and np.array_equal(a.J_zr, b.J_zr)
    assert np.array_equal(a.initial_state(), b.initial_state())
    assert not np.allclose(a.Jh, c.Jh) and not np.allclose(a.J_zr, c.J_zr)
    assert not np.allclose(a.Jz, a.Jr) and not np.allclose(a.Jh, a.Jz)


def test_additive_and_gated_share_jh_and_coupling_variance():
    n = 400
    g, a = GatedNetwork(ModelParams.gated(2.0), n, 7), GatedNetwork(ModelParams.additive(2.0), n, 7)
    assert np.array_equal(g.Jh, a.Jh)
    # entries N(0, 1/N): N * var over N^2 entries has relative sampling error ~ sqrt(2)/N
    assert abs(n * g.Jh.var() - 1) < 5 * np.sqrt(2) / n
    assert abs(n * g.Jz.var() - 1) < 5 * np.sqrt(2) / n


def test_vector_field_matches_the_model_equations():
    rng = np.random.default_rng(0)
    n = 30
    p = ModelParams.gated(2.5, alpha_z=3.0, beta_z=0.4, alpha_r=2.0, beta_r=-0.2, beta_h=0.1,
                          tau_z=0.5, tau_r=2.0, I_h=rng.standard_normal(n), I_z=0.3,
                          I_r=lambda t: np.full(n, np.cos(t)))
    net = GatedNetwork(p, n, seed=1)
    h, z, r = rng.standard_normal((3, n))
    t = 0.7
    ph = np.tanh(2.5 * h + 0.1)
    s_z, s_r = expit(3.0 * z - 0.4), expit(2.0 * r + 0.2)
    expected = np.stack([
        s_z * (-h + net.Jh @ (s_r * ph) + p.I_h),
        (-z + net.Jz @ ph + 0.3) / 0.5,
        (-r + net.Jr @ ph + np.cos(t)) / 2.0,
    ])
    np.testing.assert_allclose(net.vector_field(t, np.stack([h, z, r])), expected, rtol=1e-13,
                               atol=1e-13)


def test_batch_columns_equal_single_trajectories():
    n = 20
    net = GatedNetwork(ModelParams.gated(3.0, alpha_z=1.0, I_h=np.linspace(-1, 1, n)), n, 2)
    batch = net.initial_state(batch=4, seed=5)
    batch[1:] = 0.3
    f = net.vector_field(0.0, batch)
    for b in range(4):
        np.testing.assert_allclose(f[..., b], net.vector_field(0.0, batch[..., b]), rtol=1e-13,
                                   atol=1e-14)


def test_additive_limit_equals_gated_with_open_gates():
    # gates fully open (huge negative bias) make the gated h-equation the additive one
    n = 25
    a = GatedNetwork(ModelParams.additive(2.0), n, seed=9)
    g = GatedNetwork(ModelParams.gated(2.0, beta_z=-60.0, beta_r=-60.0), n, seed=9)
    y = g.initial_state()
    np.testing.assert_allclose(g.vector_field(0, y)[0], a.vector_field(0, y[:1])[0], rtol=1e-12)


def test_steep_gates_stay_finite():
    net = GatedNetwork(ModelParams.gated(3.0, alpha_z=1e3, alpha_r=1e3, beta_z=1.0), 40, seed=0)
    y = net.initial_state(3.0)
    y[1:] = 5.0 * np.random.default_rng(1).standard_normal((2, 40))
    with np.errstate(all="raise"):
        f = net.vector_field(0.0, y)
    assert np.all(np.isfinite(f))


def test_bad_construction_and_states():
    p = ModelParams.gated(1.0, I_h=np.zeros(5))
    with pytest.raises(ValueError, match="per-unit inputs need shape \\(6,\\)"):
        GatedNetwork(p, 6)
    with pytest.raises(ValueError, match="n \\(network size\\)"):
        GatedNetwork(ModelParams.gated(1.0), 0)
    with pytest.raises(ValueError, match="seed must be an integer >= 0"):
        GatedNetwork(ModelParams.gated(1.0), 5, seed=-1)
    with pytest.raises(ValueError, match="params must be a ModelParams"):
        GatedNetwork({"g_h": 1.0}, 5)
    net = GatedNetwork(ModelParams.gated(1.0), 5)
    with pytest.raises(ValueError, match="state must have shape \\(3, 5\\)"):
        net.check_state(np.zeros((1, 5)))
    with pytest.raises(ValueError, match="must be finite"):
        net.check_state(np.full((3, 5), np.nan))
    bad_input = GatedNetwork(ModelParams.gated(1.0, I_h=lambda t: np.zeros(3)), 5)
    with pytest.raises(ValueError, match="I_h\\(t\\) must return"):
        bad_input.vector_field(0.0, np.zeros((3, 5)))


def test_astype_float32_casts_couplings_and_keeps_the_vector_field():
    net = GatedNetwork(ModelParams.gated(3.0, alpha_z=2.0, alpha_r=1.0), 40, seed=1)
    assert net.astype("float64") is net
    n32 = net.astype(np.float32)
    assert n32.Jh.dtype == n32.J_zr.dtype == np.float32 and net.Jh.dtype == np.float64
    assert np.shares_memory(n32.Jz, n32.J_zr) and np.array_equal(n32.Jr, n32.J_zr[40:])
    y = net.initial_state()
    f32 = n32.vector_field(0.0, y.astype(np.float32))
    assert f32.dtype == np.float32
    # single precision: relative round-off ~ 6e-8 per operation, N = 40 terms per sum
    np.testing.assert_allclose(f32, net.vector_field(0.0, y), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="dtype"):
        net.astype(np.int64)
