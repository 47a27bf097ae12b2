"""The fluctuating-gate adjoint check (theory/validation/adjoint_fluctuating.py): plans, tasks at
tiny sizes, aggregation and verdicts on synthetic records."""

from types import SimpleNamespace

import numpy as np
import pytest

from theory import ModelParams, validation
from theory.adjoint_mft import GrowthRate
from theory.validation import Context
from theory.validation import adjoint_fluctuating as af
from theory.validation.adjoint import t_factor


def test_check_is_registered_and_full_scale_only(tmp_path):
    checks = validation.registered_checks()
    assert checks["adjoint_growth_fluctuating_gates"](Context("quick", tmp_path)) == []


def test_plan_covers_every_point_and_keys_depend_on_arguments_only():
    th, nets = af.fluctuating_plan()
    assert {(p.kwargs["g_h"], p.kwargs["alpha_z"]) for p in th} == set(af.POINTS)
    # ageing points: two ages, AGEING_SEEDS networks each
    runs = {k: 2 * len(af.AGEING_SEEDS) if r == "ageing" else len(af.SEEDS) for k, r in af.POINTS.items()}
    assert len(nets) == sum(runs[g, az] * len(af.settings(az)["ns"]) for g, az in af.POINTS)
    slow = [p for p in nets if p.kwargs["alpha_z"] == 10.0]
    assert {p.kwargs["t_transient"] for p in slow} == {af.AGED_TRANSIENT, af.YOUNG_TRANSIENT}
    # the young runs only at the ageing point
    assert {(p.kwargs["g_h"]) for p in slow if p.kwargs["t_transient"] == af.YOUNG_TRANSIENT} == {4.0}
    assert {p.kwargs["n"] for p in slow} == {1000, 2000}
    # a subset (fewer seeds, one size) keeps the keys of the full plan, so stored runs are shared
    _, sub = af.fluctuating_plan([(4.0, 10.0)], seeds=(0, 1), ns=(2000,))
    assert {p.key for p in sub} <= {p.key for p in nets} and len(sub) == 4
    assert sub[0].kwargs["n"] == 2000


def test_network_task_tiny():
    r = af.network_task(g_h=4.0, alpha_z=10.0, n=20, network_seed=1, t_window=6.0, dt=0.1, t_transient=5.0)
    assert np.isfinite(r["growth_rate"]) and r["delta_h"] > 0
    np.testing.assert_allclose(r["lags"], af.measured_lags(0.1))
    assert len(r["rho"]) == len(af.measured_lags(0.1))
    assert af.network_task(g_h=4.0, alpha_z=10.0, n=20, network_seed=1, t_window=6.0, dt=0.1,
                           t_transient=5.0) == r                                  # seeded


def test_measured_lags_are_whole_steps():
    np.testing.assert_allclose(af.measured_lags(0.1), [0.2, 0.5, 1.0, 1.5, 2.0, 3.0])


def test_theory_task_constant_gates_is_psi0():
    from theory.adjoint_mft import adjoint_mft

    r = af.theory_task(g_h=4.0, alpha_z=0.0, dmft={}, tangent_paths=8, window_check=False, dt=0.1)
    th = adjoint_mft(ModelParams.gated(4.0))
    assert r["growth_rate"] == th.growth_rate and r["stderr"] == 0.0
    np.testing.assert_allclose(r["rho"], th.rho_at(af.measured_lags(0.1)))
    assert "half_window_rate" not in r


def test_theory_task_window_check_solves_at_half_the_window(monkeypatch):
    """Sampled theory (stubbed: the solvers are tested in their own modules): the second solve is
    at W / 2, with the same seeds."""
    calls = []

    def stub(params, dmft_kwargs=None, tangent_kwargs=None):
        w = dmft_kwargs.get("window", 1280.0)
        calls.append((w, dmft_kwargs["seed"], tangent_kwargs["seed"]))
        sol = SimpleNamespace(settings={"window": w}, delta_h=0.12, tau_relax=w / 3)
        return GrowthRate(params, 0.02 if w == 1280.0 else 0.03, 0.001, "stub", sol, None)

    monkeypatch.setattr(af, "adjoint_growth_rate", stub)
    monkeypatch.setattr(af, "adjoint_correlation_sampling", lambda sol, rate, seed: SimpleNamespace(
        rho_at=lambda t: np.exp(-0.1 * np.asarray(t)), tau=np.arange(10.0), rho_stderr=np.full(10, 1e-3)))
    r = af.theory_task(g_h=4.0, alpha_z=10.0, dmft=af.AZ10_DMFT, tangent_paths=8, window_check=True, dt=0.1, seed=5)
    assert calls == [(1280.0, 5, 6), (640.0, 5, 6)]
    assert r["growth_rate"] == 0.02 and r["half_window_rate"] == 0.03 and r["window"] == 1280.0
    np.testing.assert_allclose(r["rho"], np.exp(-0.1 * af.measured_lags(0.1)))


def _records(point, theory, rates, *, rho=None, young=None):
    """Synthetic stored records: ``rates`` (and ``young``, at YOUNG_TRANSIENT) map N -> per-seed
    growth rates."""
    g_h, az = point
    th = [{"status": "ok", "kwargs": {"g_h": g_h, "alpha_z": az}, "result": theory}]
    nets = []
    for age, table in ((af.settings(az)["t_transient"], rates), (af.YOUNG_TRANSIENT, young or {})):
        for n, rs in table.items():
            for s, r in enumerate(rs):
                nets.append({"status": "ok", "kwargs": {"g_h": g_h, "alpha_z": az, "n": n, "network_seed": s,
                                                        "t_transient": age},
                             "result": {"growth_rate": r, "delta_h": 0.13 + 0.001 * s,
                                        "rho": list(rho if rho is not None else np.full(6, 0.99))}})
    return {"theory": th, "networks": nets}


SAMPLED = {"growth_rate": 0.02, "stderr": 0.001, "method": "sampled tangent DMFT", "lags": [0.2, 0.5, 1, 1.5, 2, 3],
           "rho": [0.99] * 6, "rho_stderr": [0.001] * 6, "delta_h": 0.12, "tau_relax": 400.0, "window": 1280.0,
           "half_window_rate": 0.03, "half_window_stderr": 0.001}


def test_ageing_verdict_pairs_the_two_ages_and_compares_with_the_stationary_theory():
    aged = {1000: [0.002, 0.004, 0.001, 0.003, 0.002, 0.003], 2000: [0.001, 0.002, 0.003, 0.002, 0.001, 0.002]}
    young = {1000: [0.02, 0.01, 0.015, 0.02, 0.012, 0.018], 2000: [0.021, 0.012, 0.016, 0.018, 0.011, 0.02]}
    (d,) = af.point_data(_records((4.0, 10.0), SAMPLED, aged, young=young))
    assert d["regime"] == "ageing" and [p["n"] for p in d["per_n"]] == [1000, 2000]
    assert [p["t_transient"] for p in d["per_n"] + d["young_per_n"]] == [3000.0] * 2 + [300.0] * 2
    big, small = d["per_n"][-1], d["per_n"][0]
    assert big["se"] == pytest.approx(np.std(aged[2000], ddof=1) / np.sqrt(6))
    v = af.verdict(d)
    # below the stationary theory: the smaller of the two windows' rates, without the window term
    tol = t_factor(6) * np.hypot(big["se"], 0.001) + abs(big["mean"] - small["mean"])
    assert v["alternative"] == 0.02 and v["tol"] == pytest.approx(tol)
    assert v["below_passed"] == (big["mean"] + tol < 0.02)
    # the fall with age is paired network by network
    diff = np.array(young[2000]) - np.array(aged[2000])
    c = next(c for c in v["changes"] if c["n"] == 2000)
    assert c["mean"] == pytest.approx(diff.mean()) and c["tol"] == pytest.approx(
        t_factor(6) * diff.std(ddof=1) / np.sqrt(6))
    assert v["falls_passed"] and v["passed"] == v["below_passed"]
    rows = af.rows_for_point(d, v)
    assert len(rows) == 2 and rows[0].passed and rows[0].simulation == pytest.approx(diff.mean())
    assert "ages" in rows[0].prediction and "stationary" in rows[1].prediction


def test_ageing_without_young_networks_fails():
    (d,) = af.point_data(_records((4.0, 10.0), SAMPLED, {2000: [0.001, 0.002, 0.003]}))
    v = af.verdict(d)
    assert v["changes"] == [] and not v["falls_passed"] and not v["passed"]
    assert af.rows_for_point(d, v)[0].tolerance == "n/a"


def test_plot_points_draws_the_ageing_panel(tmp_path):
    """Each ageing point adds a per-network young-to-aged panel; without one, one panel."""
    import matplotlib.image as mpimg

    young = {1000: [0.02, 0.01, 0.015], 2000: [0.021, 0.012, 0.016]}
    ageing = af.point_data(_records((4.0, 10.0), SAMPLED, {1000: [0.002, 0.004, 0.001], 2000: [0.001, 0.002, 0.003]},
                                    young=young))
    explode = af.point_data(_records((6.0, 10.0), SAMPLED, {1000: [0.08, 0.09], 2000: [0.09, 0.1]}))
    widths = []
    for data, name in ((ageing + explode, "both.png"), (explode, "explode.png")):
        af.plot_points(data, tmp_path / name)
        widths.append(mpimg.imread(tmp_path / name).shape[1])
    assert widths[0] > 1.5 * widths[1]


def test_explode_verdict_and_rows():
    theory = {**SAMPLED, "growth_rate": 0.095, "half_window_rate": 0.1}
    rates = {1000: [0.08, 0.09, 0.085, 0.07, 0.09, 0.08], 2000: [0.09, 0.1, 0.085, 0.095, 0.09, 0.1]}
    (d,) = af.point_data(_records((6.0, 10.0), theory, rates, rho=np.full(6, 0.99)))
    v = af.verdict(d)
    big, small = d["per_n"][-1], d["per_n"][0]
    tol = t_factor(6) * np.hypot(big["se"], 0.001) + abs(big["mean"] - small["mean"]) + 0.005
    assert v["tol"] == pytest.approx(tol) and v["expected"] == 0.095
    assert v["passed"] == (tol < 0.095 and abs(big["mean"] - 0.095) < tol)
    # identical rho in every seed: zero seed error, the tolerance is the theory's
    np.testing.assert_allclose(v["rho_tol"], t_factor(6) * 0.001)
    assert v["rho_passed"]
    rows = af.rows_for_point(d, v)
    assert len(rows) == 2 and rows[0].theory == 0.095 and rows[1].passed


def test_unresolved_rate_row_fails():
    """An explode row whose tolerance exceeds the rate cannot tell it from 0: it fails."""
    theory = {**SAMPLED, "growth_rate": 0.01, "half_window_rate": 0.01}
    rates = {1000: [0.0, 0.02, 0.01, 0.03, 0.0, 0.01], 2000: [0.0, 0.03, 0.01, 0.02, -0.01, 0.01]}
    (d,) = af.point_data(_records((6.0, 10.0), theory, rates))
    v = af.verdict(d)
    assert v["tol"] > 0.01 and not v["resolved"] and not v["passed"]
    assert "do not resolve" in af.rows_for_point(d, v)[0].details


def test_run_fluctuating_stores_and_resumes(tmp_path, monkeypatch):
    """Both sweeps run into ``out``; a second run computes nothing. At (4, 0) the theory is the
    constant-gate solver (fast); the network measurement is stubbed."""
    calls = []

    def measure(params, n, seed, **kw):
        calls.append((n, seed, kw["t_transient"]))
        return SimpleNamespace(growth_rate=0.05, rho=np.full(6, 0.9), lags=af.measured_lags(), delta_h=0.12)

    monkeypatch.setattr(af, "measure_adjoint", measure)
    rec = af.run_fluctuating(tmp_path, points=[(4.0, 0.0)], progress=False)
    assert sorted(calls) == sorted((n, s, 100.0) for n in (500, 1000) for s in af.SEEDS)
    assert all(r["status"] == "ok" for r in rec["theory"] + rec["networks"])
    again = af.run_fluctuating(tmp_path, points=[(4.0, 0.0)], progress=False)
    assert len(calls) == 2 * len(af.SEEDS) and again == rec
    (d,) = af.point_data(rec)
    assert d["per_n"][-1]["mean"] == pytest.approx(0.05)
    assert d["theory"]["growth_rate"] == pytest.approx(0.05623, abs=1e-4)   # s_z lambda_SCS(2)
