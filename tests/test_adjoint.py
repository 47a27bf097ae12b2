"""Exact discrete adjoint (theory/adjoint.py): finite differences, checkpointing, limits, errors."""

import numpy as np
import pytest

from theory import GatedNetwork, ModelParams
from theory.adjoint import (ReadoutLoss, StateLoss, VectorFieldKernels, adjoint_gradient,
                            loss_value)
from theory.gradcheck import REQUIRED, gradient_check

FULL = dict(alpha_z=1.3, beta_z=0.4, alpha_r=0.8, beta_r=-0.3, beta_h=0.2, tau_z=0.7, tau_r=1.4,
            I_h=0.1, I_z=-0.2, I_r=0.15)


def _net(n=7, **kw):
    return GatedNetwork(ModelParams.gated(2.5, **{**FULL, **kw}), n, seed=3)


def test_generated_vector_field_matches_network():
    net = _net()
    y = net.initial_state()
    y[1:] = 0.4
    f, s, eta = VectorFieldKernels(net).evaluate(0.0, y)
    np.testing.assert_allclose(f, net.vector_field(0.0, y), rtol=0, atol=1e-14)


def test_vjp_is_transpose_of_dense_jacobian():
    net = _net()
    y = net.initial_state()
    y[1:] = np.random.default_rng(0).standard_normal(y[1:].shape)
    kern = VectorFieldKernels(net)
    _, _, eta = kern.evaluate(0.0, y)
    w = np.random.default_rng(1).standard_normal(y.shape)
    vjp = kern.vjp(0.0, y, eta, w)[0]
    dense = net.linearize(0.0, y).dense()
    np.testing.assert_allclose(vjp.ravel(), dense.T @ w.ravel(), rtol=0, atol=1e-13)


@pytest.mark.parametrize("model", ["gated", "additive"])
@pytest.mark.parametrize("method", ["rk4", "euler"])
def test_gradients_match_finite_differences(model, method):
    params = (ModelParams.gated(2.5, **FULL) if model == "gated"
              else ModelParams.additive(1.7, beta_h=0.2, I_h=0.1))
    res = gradient_check(params, 6, seed=2, duration=1.5, dt=0.05, method=method)
    assert res.skipped == []
    expected = {"Jh", "y0", "g_h", "beta_h", "I_h"} | (
        {"Jz", "Jr", "alpha_z", "beta_z", "alpha_r", "beta_r", "tau_z", "tau_r", "I_z", "I_r"}
        if model == "gated" else set())
    assert set(res.rel_error) == expected
    assert res.max_rel_error < REQUIRED


def test_checkpointing_gives_the_same_gradients():
    net = _net(9)
    y0 = net.initial_state()
    kw = dict(method="rk4", loss=StateLoss(0.1), terminal_loss=ReadoutLoss(np.ones((2, 9)), [0.3, -0.2]),
              record_steps=[0, 17, 40])
    # default budget (every segment taped), pure checkpointing, a partial tape (3 of 8 segments:
    # 5 steps x 4 stages x 3 fields x 9 units x 8 bytes = 4320 bytes each), one segment
    cases = [dict(), dict(checkpoint_every=5, memory_budget=0), dict(checkpoint_every=5, memory_budget=3 * 4320 + 1),
             dict(checkpoint_every=1), dict(checkpoint_every=1, memory_budget=0.0), dict(checkpoint_every=1000)]
    runs = [adjoint_gradient(net, y0, 2.0, 0.05, **c, **kw) for c in cases]
    assert [r.n_segments for r in runs] == [6, 8, 8, 40, 40, 1]
    ref = runs[-1]
    # the forward pass (network stepper) and the recomputation (generated kernels) agree to round-off
    for r in runs[:-1]:
        assert r.loss == pytest.approx(ref.loss, rel=1e-14)
        np.testing.assert_allclose(r.grad_y0, ref.grad_y0, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(r.lambda_norm, ref.lambda_norm, rtol=1e-13)
        for k in ref.grad_couplings:
            np.testing.assert_allclose(r.grad_couplings[k], ref.grad_couplings[k], rtol=1e-12, atol=1e-15)
        for k in ref.grad_params:
            assert r.grad_params[k] == pytest.approx(ref.grad_params[k], rel=1e-12, abs=1e-15)
        for m in (0, 17, 40):
            np.testing.assert_allclose(r.snapshots[m], ref.snapshots[m], rtol=1e-13, atol=1e-16)
    assert ref.loss == pytest.approx(loss_value(net, y0, 2.0, 0.05, **{k: v for k, v in kw.items() if k != "record_steps"}),
                                     rel=1e-13)
    np.testing.assert_array_equal(ref.snapshots[0], ref.grad_y0)
    np.testing.assert_allclose(ref.lambda_h_norm[0], np.linalg.norm(ref.grad_y0[0]))


def test_coupling_gradient_is_outer_product_integral_for_euler_one_step():
    """One Euler step with a terminal loss: dL/dJh = (dt s_z lambda_h) (s_r phi)^T exactly."""
    net = _net(5)
    y0 = net.initial_state()
    y0[1:] = 0.3
    u = np.random.default_rng(4).standard_normal(5)
    res = adjoint_gradient(net, y0, 0.1, 0.1, method="euler", terminal_loss=ReadoutLoss(u[None, :]))
    y1 = y0 + 0.1 * net.vector_field(0.0, y0)
    lam_h = u * (u @ y1[0])
    p = net.params
    from scipy.special import expit
    s_z = expit(p.alpha_z * y0[1] - p.beta_z)
    send = expit(p.alpha_r * y0[2] - p.beta_r) * np.tanh(p.g_h * y0[0] + p.beta_h)
    np.testing.assert_allclose(res.grad_couplings["Jh"], np.outer(0.1 * s_z * lam_h, send), rtol=1e-13, atol=1e-16)


def test_homogeneous_adjoint_norm_grows_at_lambda_max_rate_in_the_linear_quiescent_regime():
    """Near h = 0 with constant gates the adjoint obeys -dl/dt = s_z(-1 + g s_r Jh^T) l: its norm
    follows exp(s_z (g s_r mu - 1)(T - t)) for an eigenvector of Jh^T with real eigenvalue mu."""
    net = GatedNetwork(ModelParams.gated(1.0), 40, seed=1)
    ev, vecs = np.linalg.eig(net.Jh.T)
    j = int(np.argmax(np.where(np.abs(ev.imag) < 1e-12, ev.real, -np.inf)))
    v = vecs[:, j].real
    y0 = np.zeros((3, 40))
    res = adjoint_gradient(net, y0, 4.0, 0.01, method="rk4", terminal_loss=StateLoss(target=-v), couplings=False)
    rate = 0.5 * (1.0 * 0.5 * ev[j].real - 1.0)
    # h stays at 0 (fixed point); lambda_h(T) = v / N, lambda_h(t) = lambda_h(T) exp(rate (T - t)),
    # up to the RK4 error O(dt^4)
    np.testing.assert_allclose(res.lambda_h_norm, np.linalg.norm(v) / 40 * np.exp(rate * (4.0 - res.t)), rtol=1e-9)


@pytest.mark.parametrize("kwargs, match", [
    (dict(loss=None, terminal_loss=None), "cannot both be None"),
    (dict(loss=object()), "value"),
    (dict(loss=StateLoss(), checkpoint_every=0), "checkpoint_every"),
    (dict(loss=StateLoss(), checkpoint_every=2.5), "checkpoint_every"),
    (dict(loss=StateLoss(), memory_budget=-1), "memory_budget"),
    (dict(loss=StateLoss(), memory_budget=float("nan")), "memory_budget"),
    (dict(loss=StateLoss(), memory_budget="1GB"), "memory_budget"),
    (dict(loss=StateLoss(), method="midpoint"), "method"),
    (dict(loss=StateLoss(), dt=-0.1), "dt"),
    (dict(loss=StateLoss(), duration=0.125), "whole number"),
    (dict(loss=StateLoss(), record_steps=[99]), "record_steps"),
    (dict(loss=ReadoutLoss(np.ones((1, 3)))), "columns"),
])
def test_bad_input(kwargs, match):
    net = _net(5)
    args = dict(duration=1.0, dt=0.05)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        adjoint_gradient(net, net.initial_state(), **args)


def test_bad_state_shape():
    net = _net(5)
    with pytest.raises(ValueError, match="y0"):
        adjoint_gradient(net, np.zeros((3, 4)), 1.0, loss=StateLoss())
    with pytest.raises(ValueError, match="single trajectory"):
        adjoint_gradient(net, net.initial_state(batch=2), 1.0, loss=StateLoss())


def test_time_dependent_input_gradients_match_finite_differences():
    """I_h(t) callable: the stages see the input at their own times (RK4 t, t + dt/2, t + dt)."""
    params = ModelParams.gated(2.2, alpha_z=1.0, alpha_r=0.5, I_h=lambda t: 0.4 * np.sin(3.0 * t),
                               I_z=lambda t: 0.2 * np.cos(t))
    res = gradient_check(params, 5, seed=1, duration=1.5)
    assert set(res.skipped) == {"I_h", "I_z"}
    assert {"Jh", "Jz", "g_h", "tau_z"} <= set(res.rel_error)
    assert res.max_rel_error < REQUIRED


def test_replayed_step_equals_the_taped_step_bit_for_bit():
    """A step replayed from the tape (stored fields, no coupling product) is identical to the
    taped step, for RK4 and Euler; the taped fields are those of the stages."""
    net = _net(8)
    kern = VectorFieldKernels(net)
    y = net.initial_state()
    for method, stages in (("rk4", 4), ("euler", 1)):
        tape, store = [], []
        y1 = kern.step(0.3, y, 0.05, method, store, tape=tape)
        assert len(tape) == stages and tape[0].shape == (3, 8)
        np.testing.assert_array_equal(kern.step(0.3, y, 0.05, method, replay=tape), y1)
        for (t, yi, s, eta), taped in zip(store, tape):
            np.testing.assert_array_equal(np.array(eta), taped)
            np.testing.assert_allclose(kern.evaluate(t, yi)[2], taped, rtol=0, atol=0)


def test_adjoint_is_the_transpose_of_the_tangent_propagator():
    """Homogeneous adjoint (terminal loss only) and tangent of the same discrete map: lambda_m . v_m
    is the same at every step m (lambda_m = M_m^T lambda_{m+1}, v_{m+1} = M_m v_m, M_m the exact
    linearised step of theory.integrators.step_with_tangent), with fluctuating gates. This is why
    the backward growth rate of |lambda| equals the forward growth rate of tangent vectors: the two
    propagators are transposes, with the same singular values."""
    from theory.integrators import step_with_tangent

    net = GatedNetwork(ModelParams.gated(4.0, alpha_z=10.0, alpha_r=2.0, beta_z=0.5), 30, seed=5)
    y0 = net.initial_state()
    steps, dt = 60, 0.05
    res = adjoint_gradient(net, y0, steps * dt, dt, terminal_loss=StateLoss(np.linspace(-1, 1, 30)),
                           record_steps=range(steps + 1), couplings=False)
    v = np.random.default_rng(6).standard_normal((3, 30, 1))
    y, dots = y0, [float(np.sum(res.snapshots[0] * v[..., 0]))]
    for m in range(steps):
        y, v = step_with_tangent(net, m * dt, y, v, dt)
        dots.append(float(np.sum(res.snapshots[m + 1] * v[..., 0])))
    np.testing.assert_allclose(dots, dots[0], rtol=1e-11)
