"""The DMFT validation checks' data functions at tiny sizes (theory/validation/dmft.py)."""

import math

import numpy as np

from theory import validation
from theory.validation import Context
from theory.validation.dmft import (identity_data, lambda_finite_size_data, lambda_verdict,
                                    _extrapolate, _rows_for_point)


def test_dmft_checks_are_registered():
    assert {"dmft_vs_networks", "dmft_constant_gate_identity"} <= set(validation.registered_checks())


def test_extrapolation_recovers_an_exact_law():
    ns = np.array([100.0, 200.0, 400.0])
    lam, se, a = _extrapolate(ns, 0.1 - 0.5 / np.sqrt(ns), [0.01] * 3, 0.5)
    assert math.isclose(lam, 0.1, abs_tol=1e-12) and math.isclose(a, -0.5, rel_tol=1e-10)
    # two sizes, equal errors: se = sqrt(r^2 + 1) / (r - 1) * s with r = sqrt(2) for N, 2N
    _, se2, _ = _extrapolate([100, 200], [0.0, 0.0], [0.01, 0.01], 0.5)
    assert math.isclose(se2, 0.01 * math.sqrt(3) / (math.sqrt(2) - 1), rel_tol=1e-10)


def test_finite_size_data_tiny():
    d = lambda_finite_size_data(dict(model="additive", g_h=2.0), (40, 80), [0, 1], t_run=20.0)
    assert math.isclose(d["theory"].lambda_max, 0.11245810962829483, rel_tol=1e-6)
    assert [p["n"] for p in d["per_n"]] == [40, 80]
    for p in d["per_n"]:
        assert p["lambda"].shape == (2,) and np.all(np.isfinite(p["lambda"]))
        assert 0.1 < p["h2_mean"] < 1.0 and p["lam_se"] > 0
    v = lambda_verdict(d)
    assert v["tol"] > 0 and v["n_largest"] == 80
    rows = _rows_for_point("tiny", d)
    assert len(rows) == 2 and rows[0].prediction.startswith("DMFT lambda_max")


def test_identity_data_to_solver_precision():
    d = identity_data()
    assert abs(d["lambda_gated"] - d["lambda_additive"] / 2) < max(10 * d["lambda_err"], 1e-9)
    assert math.isclose(d["delta_gated"], d["delta_additive"] / 4, rel_tol=1e-9)


def test_identity_check_rows(tmp_path):
    rows = validation.registered_checks()["dmft_constant_gate_identity"](Context("quick", tmp_path))
    assert len(rows) == 2 and all(r.passed for r in rows)
