"""Validation checks of the sampling DMFT (theory/validation/dmft_sampling.py), at tiny sizes."""

from __future__ import annotations

import numpy as np

from theory import ModelParams, validation
from theory.validation import Context
from theory.validation.dmft_sampling import correlation_verdict, network_correlation


def test_checks_are_registered():
    assert {"dmft_sampling_constant_gate", "dmft_sampling_vs_networks",
            "dmft_tangent_vs_networks"} <= set(validation.registered_checks())


def test_network_correlation_tiny():
    d = network_correlation(ModelParams.gated(3.0, alpha_z=2.0), 30, 0, t_run=20.0, t_transient=5.0,
                            n_units=10, max_lag=5.0)
    assert d["tau"][0] == 0 and d["tau"][-1] == 5.0 and d["c_h"].shape == d["tau"].shape
    assert d["c_h"][0] > 0 and d["mean_h2"] > 0


def test_verdict_uses_stat_and_finite_size_terms():
    lags = np.arange(3.0)
    d = {"c_theory": np.array([1.0, 0.5, 0.1]), "se_theory": np.full(3, 0.01),
         "per_n": [{"c_h": np.array([1.1, 0.6, 0.1]), "se": np.full(3, 0.01)},
                   {"c_h": np.array([1.05, 0.55, 0.1]), "se": np.full(3, 0.01)}], "lags": lags}
    v = correlation_verdict(d)
    # deviation 0.05 at the first lags, tolerance 3 * 0.0141 + 0.05 (finite-size change)
    assert v["passed"] and np.allclose(v["finite_size"], [0.05, 0.05, 0.0])
    d["per_n"][1]["c_h"] = np.array([1.5, 0.5, 0.1])
    assert not correlation_verdict(d)["passed"]


def test_tangent_network_check_is_full_scale_only(tmp_path):
    assert validation.registered_checks()["dmft_tangent_vs_networks"](Context("quick", tmp_path)) == []
