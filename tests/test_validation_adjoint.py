"""The adjoint validation checks' data functions at tiny sizes (theory/validation/adjoint.py)."""

import numpy as np
import pytest

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


def test_fluctuating_gate_check_is_full_scale_only(tmp_path):
    from theory.validation import Context

    assert validation.registered_checks()["adjoint_growth_fluctuating_gates"](Context("quick", tmp_path)) == []


def test_fluctuating_data_and_verdict_tiny(monkeypatch):
    """Plumbing at tiny N with the theory replaced by a stub (the sampling DMFT solve itself is
    tested in tests/test_dmft_tangent_sampling.py); the verdict's tolerance is t_99 x the combined
    standard error + the change between the two N."""
    from theory.adjoint_mft import GrowthRate
    from theory.validation import adjoint as va

    p = ModelParams.gated(4.0)
    monkeypatch.setattr(va, "adjoint_growth_rate", lambda params, **kw: GrowthRate(params, 0.05, 0.01, "stub"))

    class _Psi:  # stands in for adjoint_mft (a DMFT solve) at constant gates
        @staticmethod
        def rho_at(tau):
            return np.exp(-0.1 * np.asarray(tau))

    monkeypatch.setattr(va, "adjoint_mft", lambda params: _Psi)
    transients, measure = [], va.measure_adjoint
    monkeypatch.setattr(va, "measure_adjoint",
                        lambda *a, **k: transients.append(k["t_transient"]) or measure(*a, **k))
    d = va.fluctuating_data(p, (20, 30), [0, 1, 2], t_window=6.0, dt=0.1, t_transient=30.0)
    assert transients == [30.0] * 6     # the alpha_z = 10 rows pass a longer network transient
    assert [q["n"] for q in d["per_n"]] == [20, 30]
    small, big = d["per_n"]
    assert big["rates"].shape == (3,) and np.all(np.isfinite(big["rates"])) and big["rho"].shape == (3, 6)
    v = va.fluctuating_verdict(d)
    expected = va.t_factor(3) * np.hypot(big["se"], 0.01) + abs(big["mean"] - small["mean"])
    assert v["tol"] == expected
    # at tiny N the tolerance exceeds the rate itself: the row cannot tell it from 0 and fails
    assert v["resolved"] == (expected < 0.05)
    assert v["passed"] == (expected < 0.05 and abs(big["mean"] - 0.05) < expected)
    # constant gates (no sampling solution): rho theory is psi_0, with zero theory error
    # theory at the lags the networks measured: whole steps (0.25 at dt = 0.1 is 2 steps, 0.2)
    np.testing.assert_allclose(d["lags"], [0.2, 0.5, 1.0, 1.5, 2.0, 3.0])
    np.testing.assert_allclose(big["lags"], d["lags"])
    np.testing.assert_allclose(d["rho_theory"], _Psi.rho_at(d["lags"]))
    rho_tol = va.t_factor(3) * big["rho_se"] + np.abs(big["rho_mean"] - small["rho_mean"])
    np.testing.assert_allclose(v["rho_tol"], rho_tol)


def test_window_check_adds_the_window_dependence(monkeypatch):
    """With ``window_check`` a second theory at half the lag window is solved, and the change of
    the growth rate between the two windows is added to the tolerance."""
    from types import SimpleNamespace

    from theory.adjoint_mft import GrowthRate
    from theory.validation import adjoint as va

    p = ModelParams.gated(4.0, alpha_z=10.0)
    windows = []

    def stub(params, dmft_kwargs=None, **kw):
        w = (dmft_kwargs or {}).get("window", 1280.0)
        windows.append(w)
        sol = SimpleNamespace(settings={"window": w}, delta_h=0.1, tau_relax=w / 3)
        return GrowthRate(params, 0.05 if w == 1280.0 else 0.06, 0.001, "stub", sol, None)

    monkeypatch.setattr(va, "adjoint_growth_rate", stub)
    monkeypatch.setattr(va, "adjoint_correlation_sampling", lambda sol, rate, seed: SimpleNamespace(
        rho_at=lambda t: np.exp(-0.1 * np.asarray(t)), tau=np.arange(10.0), rho_stderr=np.zeros(10)))
    d = va.fluctuating_data(p, (20, 30), [0, 1, 2], t_window=6.0, dt=0.1, t_transient=10.0,
                            dmft_kwargs={"window": 1280.0}, window_check=True)
    assert windows == [1280.0, 640.0] and d["theory_half_window"].growth_rate == 0.06
    v = va.fluctuating_verdict(d)
    big, small = d["per_n"][-1], d["per_n"][0]
    assert v["window"] == pytest.approx(0.01)
    assert v["tol"] == pytest.approx(va.t_factor(3) * np.hypot(big["se"], 0.001)
                                     + abs(big["mean"] - small["mean"]) + 0.01)
