"""The adjoint validation checks' data functions at tiny sizes (theory/validation/adjoint.py)."""

import numpy as np

from theory import ModelParams, validation
from theory.validation.adjoint import (chaotic_data, correlation_verdict, identity_data, quiescent_data,
                                       rate_verdict)


def test_adjoint_check_is_registered():
    assert "adjoint_growth_and_correlation" in validation.registered_checks()


def test_chaotic_data_tiny():
    d = chaotic_data(ModelParams.additive(2.0), (30, 40), [0, 1], t_window=8.0, lags=(0.5, 1.0))
    assert [p["n"] for p in d["per_n"]] == [30, 40]
    for p in d["per_n"]:
        assert p["rates"].shape == (2,) and np.all(np.isfinite(p["rates"]))
        assert p["rho"].shape == (2, 2) and np.all(np.abs(p["rho"]) <= 1 + 1e-12)
    v = rate_verdict(d)
    assert v["tol"] > 0 and np.isfinite(v["inf"])
    c = correlation_verdict(d)
    assert c["tol"].shape == (2,) and np.all(c["tol"] > 0)
    # the verdict compares with psi_0 at the requested lags
    np.testing.assert_allclose(c["theory"], d["theory"].rho_at([0.5, 1.0]))


def test_identity_and_quiescent_data_tiny():
    ident = identity_data(4.0, (0.0, 3.0), 20, [0, 1], t_window=6.0)
    assert [e["alpha_z"] for e in ident] == [0.0, 3.0]
    for e in ident:
        assert np.isclose(e["diff_mean"], np.mean(e["adjoint"] - e["tangent"]))
        assert np.isfinite(e["diff_se"])
    q = quiescent_data(ModelParams.gated(1.5), (20,), [0, 1], t_window=6.0)
    assert q["theory"] == -0.125 and np.isfinite(q["per_n"][0]["mean"])
