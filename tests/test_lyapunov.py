"""Lyapunov spectrum (QR) and twin-trajectory lambda_max, against exact results."""

import math

import numpy as np
import pytest

from theory import GatedNetwork, ModelParams
from theory.lyapunov import (entropy_rate, kaplan_yorke_dimension, lambda_max_twin,
                             lyapunov_spectrum)
from theory.validation.foundation import (constant_gate_identity, ginibre_edge_spread,
                                          qr_vs_twin_data, zero_fixed_point_data)


def test_constant_gate_identity_is_exact():
    d = constant_gate_identity(n=12, t_run_additive=20.0)
    assert d["state_error"] < d["roundoff_bound"]
    assert d["identity_error"] < d["roundoff_bound"]
    assert abs(d["rest_mean"] - d["rest_mean_pred"]) < d["roundoff_bound"]
    # the raw (uncorrected) difference is a boundary effect, not round-off
    assert d["uncorrected_error"] > 1e3 * d["identity_error"]


def test_uncorrected_difference_decays_like_one_over_t():
    short = constant_gate_identity(n=10, t_run_additive=10.0)["uncorrected_error"]
    long = constant_gate_identity(n=10, t_run_additive=40.0)["uncorrected_error"]
    # the frame-volume term is O(1), so T x error stays bounded: here it may not grow 4x
    assert long * 40.0 < 2.0 * short * 10.0 + 1e-12


def test_zero_fixed_point_spectrum_and_lambda_max():
    d = zero_fixed_point_data(n=80, seed=1, t_run=100.0)
    assert d["eig_gap"] < 1e-10
    # QR of a trajectory decaying to 0 -> rightmost real part of J(0) (3 block errors + O(1/T))
    assert abs(d["lambda_qr"] - d["lambda_exact"]) < 3 * d["lambda_qr_se"] + 1e-4
    spread = ginibre_edge_spread(80, range(1, 9))
    scale = d["s_z"] * d["g_h"] * d["s_r"]
    assert abs(d["lambda_qr"] - d["lambda_infinite"]) < 3 * spread["right_rms"] * scale + 3 * d["lambda_qr_se"]


def test_qr_and_twin_agree_within_error_bars():
    d = qr_vs_twin_data(n=80, k=4, t_run=100.0, seed=1)
    res, twin = d["spectrum"], d["twin"]
    assert res.lambda_max > 0  # this point is chaotic
    assert abs(res.lambda_max - twin.lambda_max) < 3 * math.hypot(res.lambda_max_stderr, twin.stderr)


def test_linear_decay_gives_exact_rk4_rates():
    # g_h = 0: dh/dt = -h, exponents are exactly log|R(-dt)|/dt for the RK4 map
    net = GatedNetwork(ModelParams.additive(0.0), 5, seed=0)
    res = lyapunov_spectrum(net, 5, dt=0.1, t_transient=0, t_frame_transient=0, t_run=10.0,
                            n_blocks=5)
    x = 0.1
    rate = math.log(1 - x + x**2 / 2 - x**3 / 6 + x**4 / 24) / 0.1
    np.testing.assert_allclose(res.exponents, rate, rtol=1e-12)
    assert np.all(res.stderr < 1e-12)


def test_continuing_a_run_from_state_and_frame():
    net = GatedNetwork(ModelParams.gated(5.0, alpha_r=2.0), 30, seed=3)
    kw = dict(dt=0.05, t_transient=0.0, t_frame_transient=0.0, n_blocks=2)
    whole = lyapunov_spectrum(net, 3, t_run=10.0, **kw)
    first = lyapunov_spectrum(net, 3, t_run=5.0, **kw)
    second = lyapunov_spectrum(net, 3, t_run=5.0, y0=first.state, frame0=first.frame,
                               t0=first.t, **kw)
    np.testing.assert_allclose((first.exponents + second.exponents) / 2, whole.exponents,
                               rtol=1e-10, atol=1e-12)


def test_kaplan_yorke_and_entropy():
    assert kaplan_yorke_dimension([0.5, -0.2, -1.0]) == pytest.approx(2 + 0.3 / 1.0)
    assert kaplan_yorke_dimension([-0.1, -0.5]) == 0.0
    assert kaplan_yorke_dimension([0.0, -1.0]) == 1.0
    assert math.isnan(kaplan_yorke_dimension([0.3, 0.1]))  # not enough exponents to close
    assert entropy_rate([0.5, 0.1, -0.2]) == pytest.approx(0.6)
    assert entropy_rate([-0.5]) == 0.0


@pytest.mark.parametrize("kwargs, fragment", [
    (dict(k=0), "k must be an integer in \\[1, 30\\]"), (dict(k=31), "k must be"),
    (dict(t_run=10.0, n_blocks=3), "divisible by n_blocks"), (dict(n_blocks=1), "n_blocks"),
    (dict(dt=-0.1), "dt must be"), (dict(frame0=np.zeros((3, 10, 2)), k=3), "frame0 must have shape"),
])
def test_bad_arguments(kwargs, fragment):
    net = GatedNetwork(ModelParams.gated(1.0), 10, seed=0)
    with pytest.raises(ValueError, match=fragment):
        lyapunov_spectrum(net, **{"t_run": 1.0, "t_transient": 0, **kwargs})


def test_twin_rejects_bad_arguments():
    net = GatedNetwork(ModelParams.gated(1.0), 10, seed=0)
    with pytest.raises(ValueError, match="d0 must be"):
        lambda_max_twin(net, d0=0.0)
    with pytest.raises(ValueError, match="single trajectory"):
        lambda_max_twin(net, y0=net.initial_state(batch=2))


def test_float32_exponents_agree_with_float64_within_error_bars():
    # A chaotic network (lambda_max ~ 0.15). Both runs start from the same float64 state after the
    # transient; float32 round-off (~1e-7) seeds a difference that grows at most like
    # exp(lambda_max t), so the two estimates may differ by sampling along different trajectories
    # but not by more than that sampling error: 3 x the combined block standard errors.
    net = GatedNetwork(ModelParams.gated(8.0, alpha_z=1.0, alpha_r=1.0), 200, seed=0)
    kw = dict(t_transient=50.0, t_frame_transient=20.0, t_run=100.0, progress=False)
    r64 = lyapunov_spectrum(net, 4, **kw)
    r32 = lyapunov_spectrum(net, 4, dtype="float32", **kw)
    assert r32.frame.dtype == np.float32 and r32.state.dtype == np.float32
    assert r64.frame.dtype == np.float64
    assert r64.exponents[0] > 3 * r64.stderr[0]  # chaotic, so the comparison is not trivial
    combined = np.sqrt(r64.stderr**2 + r32.stderr**2)
    assert np.all(np.abs(r32.exponents - r64.exponents) < 3 * combined)


def test_float32_rejects_unknown_dtype():
    net = GatedNetwork(ModelParams.gated(2.0), 10, seed=0)
    with pytest.raises(ValueError, match="dtype"):
        lyapunov_spectrum(net, 2, dtype="float16", t_run=1.0, n_blocks=2)
