"""lambda_max vs relaxation-time table (theory/relaxation.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from theory import ModelParams
from theory.dmft import relaxation_table
from theory.relaxation import (_mean_gate, format_relaxation_table, poeschl_teller_rate, relaxation_row)


def test_poeschl_teller_limits_and_input_check():
    gamma = 0.5
    big = np.array([50.0, 200.0])
    # long tail: lambda -> 3 / (2 gamma tau^2) (the onset law of theory.dmft)
    assert np.allclose(poeschl_teller_rate(big, gamma), 3 / (2 * gamma * big ** 2), rtol=2e-3)
    # E0 = -3 k_u^2 through lambda = gamma (-1 + sqrt(1 - E0)) with k_u = 1 / (gamma tau)
    tau = 3.0
    e0 = -3 / (gamma * tau) ** 2
    assert poeschl_teller_rate(tau, gamma) == pytest.approx(gamma * (-1 + math.sqrt(1 - e0)), rel=1e-14)
    with pytest.raises(ValueError, match="tau_tail"):
        poeschl_teller_rate(-1.0, gamma)


def test_mean_gate_is_one_half_at_zero_bias():
    # z -> -z symmetry at beta_z = 0: <sigma_z> = 1/2 for every alpha_z
    assert _mean_gate(ModelParams.gated(4.0, alpha_z=10.0), 0.3) == pytest.approx(0.5, abs=1e-12)
    assert _mean_gate(ModelParams.gated(4.0, beta_z=1.0), 0.3) == pytest.approx(1 / (1 + math.e), rel=1e-12)


def test_exact_row_matches_dmft_relaxation_table():
    row = relaxation_row(ModelParams.gated(4.0))
    ref = relaxation_table([4.0])[0]
    assert row["solver"] == "exact"
    assert row["lambda_max"] == ref["lambda_max"] and row["tau_relax"] == ref["tau_relax"]
    assert row["ratio_tail"] == pytest.approx(ref["ratio"], rel=1e-12)
    assert row["rhs"] == pytest.approx(float(poeschl_teller_rate(2 * ref["tau_relax"] / math.pi, 0.5)))
    assert "g_h" in format_relaxation_table([row])


def test_sampling_row_reduces_to_exact_at_constant_gates():
    p = ModelParams.gated(4.0)
    ex = relaxation_row(p)
    s = relaxation_row(p, exact=False, dmft_kwargs=dict(n_paths=64, n_chains=4, dt=0.2), tangent_paths=96)
    assert s["solver"] == "sampling" and s["gamma"] == pytest.approx(0.5)
    # 99.9% Student-t quantiles: chains (3 dof) for tau_relax, batches (7 dof) for lambda_max
    assert abs(s["tau_relax"] - ex["tau_relax"]) <= stats.t.ppf(0.9995, 3) * s["tau_relax_stderr"]
    assert abs(s["lambda_max"] - ex["lambda_max"]) <= stats.t.ppf(0.9995, 7) * s["lambda_max_stderr"]
    assert s["product_stderr"] > 0 and s["ratio_stderr"] > 0
