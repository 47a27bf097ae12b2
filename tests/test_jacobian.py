"""Analytic Jacobian vs finite differences (dense and matrix-free), including steep gates."""

import numpy as np
import pytest

from theory import GatedNetwork, ModelParams
from theory.jacobian import jacobian, jacobian_apply
from theory.validation.foundation import (finite_difference_jacobian, jacobian_errors,
                                          jacobian_test_cases)


def test_dense_jacobian_matches_finite_differences_below_1e6():
    err = jacobian_errors(n=16, seed=3)
    assert err["finite_difference"] < 1e-6
    assert err["matrix_free"] < 1e-12


@pytest.mark.parametrize("case", range(4))
def test_each_model_case_separately(case):
    net, y = jacobian_test_cases(12, seed=case)[case]
    dense = jacobian(net, y, 0.1)
    fd = finite_difference_jacobian(net, y, 0.1)
    assert np.max(np.abs(dense - fd)) / np.max(np.abs(dense)) < 1e-6


def test_steep_gate_derivative_is_exercised():
    # the alpha = 1e3 case must contain large s_z' * drive entries, else the check is vacuous
    net, y = jacobian_test_cases(12, seed=0)[1]
    lin = net.linearize(0.0, y)
    assert np.max(np.abs(lin.dz_coef)) > 10.0


def test_matrix_free_on_single_vector_and_block():
    net = GatedNetwork(ModelParams.gated(2.0, alpha_z=2.0, alpha_r=1.0), 10, seed=1)
    y = net.initial_state()
    y[1:] = 0.5
    dense = jacobian(net, y)
    v = np.random.default_rng(0).standard_normal((3, 10))
    np.testing.assert_allclose(jacobian_apply(net, y, v).ravel(), dense @ v.ravel(), atol=1e-13)


def test_fixed_point_structure_dz_column_vanishes():
    # at h = z = r = 0 (a fixed point for beta_h = 0) drive = 0, so the dz column is zero
    net = GatedNetwork(ModelParams.gated(2.0, alpha_z=5.0, alpha_r=2.0), 8, seed=0)
    jac = jacobian(net, np.zeros((3, 8)))
    assert np.all(jac[:8, 8:16] == 0)
