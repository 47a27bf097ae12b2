"""Fixed points: Newton convergence, distinctness, stability from eigenvalues."""

import numpy as np
import pytest

from theory import ConvergenceError, GatedNetwork, ModelParams
from theory.fixed_points import (find_fixed_point, find_fixed_points, fixed_point_eigenvalues,
                                 full_state)
from theory.jacobian import jacobian


def test_zero_is_the_only_fixed_point_well_below_threshold():
    net = GatedNetwork(ModelParams.gated(1.0, alpha_z=2.0, alpha_r=1.0), 100, seed=0)
    fps, failed = find_fixed_points(net, 6)
    assert failed == 0 and len(fps) == 1
    assert np.max(np.abs(fps[0].state)) < 1e-10 and fps[0].stable


def test_nonzero_fixed_point_solves_the_full_vector_field():
    net = GatedNetwork(ModelParams.gated(3.0, alpha_z=3.0, alpha_r=2.0, I_z=0.2, I_r=-0.1), 150, 2)
    fps, _ = find_fixed_points(net, 10, seed=1)
    nonzero = [fp for fp in fps if fp.delta_h > 1e-3]
    assert nonzero, "expected a nonzero fixed point above threshold"
    for fp in nonzero:
        assert np.max(np.abs(net.vector_field(0.0, fp.state))) < 1e-9
        # eigenvalues from the block structure equal those of the full Jacobian
        full = np.sort_complex(np.linalg.eigvals(jacobian(net, fp.state)))
        np.testing.assert_allclose(np.sort_complex(fp.eigenvalues), full, atol=1e-8)
        assert fp.stable == (fp.max_real <= 0)


def test_fixed_points_do_not_depend_on_the_update_gate():
    base = ModelParams.gated(3.0, alpha_r=1.0)
    h0 = np.random.default_rng(0).standard_normal(80)
    a = find_fixed_point(GatedNetwork(base, 80, 4), h0)
    b = find_fixed_point(GatedNetwork(base.replace(alpha_z=7.0, beta_z=1.0, tau_z=0.3), 80, 4), h0)
    np.testing.assert_allclose(a.state, b.state, atol=1e-12)


def test_additive_fixed_point_and_stability():
    net = GatedNetwork(ModelParams.additive(0.8, I_h=0.3), 60, seed=1)
    fp = find_fixed_point(net, np.zeros(60))
    assert fp.state.shape == (1, 60)
    np.testing.assert_allclose(net.vector_field(0, fp.state), 0, atol=1e-10)
    assert fp.stable and fp.max_real == pytest.approx(np.linalg.eigvals(jacobian(net, fp.state)).real.max())


def test_full_state_and_eigenvalue_count():
    net = GatedNetwork(ModelParams.gated(2.0, tau_z=0.5), 20, seed=0)
    state = full_state(net, np.zeros(20))
    assert state.shape == (3, 20)
    eig = fixed_point_eigenvalues(net, state)
    assert eig.size == 60 and np.sum(np.isclose(eig, -2.0)) >= 20


def test_errors():
    net = GatedNetwork(ModelParams.gated(2.0, I_h=lambda t: 0.0), 10, seed=0)
    with pytest.raises(ValueError, match="time-independent inputs"):
        find_fixed_points(net)
    net = GatedNetwork(ModelParams.gated(6.0), 50, seed=0)
    with pytest.raises(ConvergenceError) as info:
        find_fixed_point(net, 3 * np.ones(50), max_iter=1, tol=1e-14)
    assert len(info.value.residuals) == 2
    with pytest.raises(ValueError, match="h0 must have shape"):
        find_fixed_point(net, np.zeros(3))
