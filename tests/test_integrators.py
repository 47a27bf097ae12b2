"""Integrators: convergence order, and the tangent step is the derivative of the step map."""

import numpy as np
import pytest

from theory import GatedNetwork, ModelParams
from theory.integrators import n_steps, step, step_with_tangent
from theory.simulation import integrate


@pytest.fixture(scope="module")
def net():
    return GatedNetwork(ModelParams.gated(3.0, alpha_z=2.0, alpha_r=1.5, I_z=lambda t: np.sin(t)),
                        20, seed=4)


@pytest.mark.parametrize("method, order", [("rk4", 4), ("euler", 1)])
def test_global_error_order(net, method, order):
    y0 = net.initial_state()
    ref = integrate(net, y0, 2.0, 0.0025, "rk4")
    errs = [np.max(np.abs(integrate(net, y0, 2.0, dt, method) - ref)) for dt in (0.04, 0.02)]
    observed = np.log2(errs[0] / errs[1])
    assert abs(observed - order) < 0.3


@pytest.mark.parametrize("method", ["rk4", "euler"])
def test_tangent_step_is_derivative_of_step(net, method):
    rng = np.random.default_rng(1)
    y = net.initial_state()
    y[1:] = rng.standard_normal((2, 20))
    frame = rng.standard_normal((3, 20, 3))
    dt, t = 0.05, 0.3
    y_new, frame_new = step_with_tangent(net, t, y, frame, dt, method)
    # same state update; the fused state+tangent BLAS call may differ in summation order only
    np.testing.assert_allclose(y_new, step(net, t, y, dt, method), rtol=1e-14, atol=1e-15)
    eps = 1e-6
    for j in range(3):
        fd = (step(net, t, y + eps * frame[..., j], dt, method)
              - step(net, t, y - eps * frame[..., j], dt, method)) / (2 * eps)
        np.testing.assert_allclose(frame_new[..., j], fd, rtol=1e-7, atol=1e-8)


def test_n_steps_requires_whole_multiples():
    assert n_steps(1.0, 0.05) == 20
    with pytest.raises(ValueError, match="not a whole number of steps"):
        n_steps(1.0, 0.3)
