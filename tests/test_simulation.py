"""simulate(): recording, subsampling, memory independent of N x T, determinism, batches."""

import numpy as np
import pytest

from theory import GatedNetwork, ModelParams
from theory.simulation import integrate, simulate


@pytest.fixture(scope="module")
def net():
    return GatedNetwork(ModelParams.gated(4.0, alpha_z=1.0, alpha_r=1.0), 60, seed=2)


def test_records_are_subsampled_and_small(net):
    traj = simulate(net, t_max=10.0, dt=0.05, record_every=10, record_units=3, t_transient=1.0)
    assert traj.t.shape == (21,) and traj.mean_h2.shape == (21,)
    assert traj.units.shape == (21, 3, 3)
    np.testing.assert_allclose(traj.t[[0, -1]], [1.0, 11.0])
    np.testing.assert_allclose(traj.mean_h2[-1], np.mean(traj.state[0] ** 2))
    np.testing.assert_array_equal(traj.units[-1], traj.state[:, :3])
    # storage grows with T / record_every and the recorded units only, never N x T
    longer = simulate(net, t_max=20.0, dt=0.05, record_every=10, record_units=3)
    assert longer.units.nbytes == 2 * traj.units.nbytes - traj.units[0].nbytes


def test_same_seed_same_trajectory_and_resume(net):
    a = simulate(net, 5.0, 0.05, record_every=5)
    b = simulate(GatedNetwork(net.params, net.n, seed=2), 5.0, 0.05, record_every=5)
    np.testing.assert_array_equal(a.mean_h2, b.mean_h2)
    # two halves equal one whole run (time-independent inputs)
    half = integrate(net, net.initial_state(), 2.5, 0.05)
    np.testing.assert_allclose(integrate(net, half, 2.5, 0.05), a.state, rtol=1e-12, atol=1e-13)


def test_batch_runs_each_column_independently(net):
    y0 = net.initial_state(batch=3, seed=1)
    batch = simulate(net, 2.0, 0.05, y0=y0, record_every=4)
    assert batch.mean_h2.shape == (11, 3) and batch.units.shape == (11, 3, 8, 3)
    single = simulate(net, 2.0, 0.05, y0=y0[..., 1], record_every=4)
    np.testing.assert_allclose(batch.mean_h2[:, 1], single.mean_h2, rtol=1e-12)


def test_time_dependent_input_is_evaluated_at_stage_times():
    # dh/dt = -h + I(t) with Jh ~ 0 (g_h = 0): h(t) = int_0^t e^{-(t-s)} sin(s) ds
    net = GatedNetwork(ModelParams.additive(0.0, I_h=lambda t: np.sin(t)), 3, seed=0)
    y = integrate(net, np.zeros((1, 3)), 2.0, 0.01, "rk4")
    exact = (np.sin(2.0) - np.cos(2.0) + np.exp(-2.0)) / 2
    np.testing.assert_allclose(y, exact, rtol=1e-9)


@pytest.mark.parametrize("kwargs, fragment", [
    (dict(dt=0.0), "dt must be"), (dict(method="rk45"), "method must be one of"),
    (dict(record_every=0), "record_every must be"), (dict(record_units=[0, 999]), "record_units"),
    (dict(t_transient=-1.0), "t_transient must be"),
])
def test_bad_arguments(net, kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        simulate(net, 1.0, **{"dt": 0.05, **kwargs})
