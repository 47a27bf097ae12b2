"""DMFT-vs-networks grid check (theory/validation/dmft_grid.py), at tiny sizes."""

from __future__ import annotations

import numpy as np
import pytest

from theory import validation
from theory.validation import dmft_grid as g


def test_check_is_registered_and_plan_is_ordered():
    assert "dmft_grid_vs_networks" in validation.registered_checks()
    th, nets = g.grid_plan("full")
    assert len(th) == 6 and len(nets) == 6 * 2 * 6
    # point by point, largest N first; every network point has its own explicit network seed
    first = [p.kwargs for p in nets[:12]]
    assert {(k["alpha_z"], k["alpha_r"]) for k in first} == {g.GRID_POINTS[0]}
    assert [k["n"] for k in first] == [2000] * 6 + [1000] * 6
    assert [k["network_seed"] for k in first] == list(range(6)) * 2
    assert len({p.key for p in nets}) == len(nets)


def test_network_task_tiny():
    r = g.network_task(g_h=4.0, alpha_z=2.0, alpha_r=2.0, n=40, network_seed=1, t_corr=30.0,
                       t_transient=5.0, dt=0.1, max_lag=5.0)
    assert r["tau"][0] == 0 and r["tau"][-1] == pytest.approx(5.0) and len(r["c_h"]) == len(r["tau"])
    assert r["n_units"] == 40 and len(r["mean_h2_halves"]) == 2
    # every unit is recorded, so C_h(0) is the population <h^2> up to the sampling grid
    # (<h^2> every step vs every fifth step)
    assert r["c_h"][0] == pytest.approx(r["mean_h2"], rel=0.02)


def _records(net_values, theory_delta=0.1, theory_se=0.001, lam=0.05, lam_se=0.002):
    """Synthetic sweep records: C_h(tau) = c0 exp(-tau / 10) for each (n, seed, c0, lambda)."""
    tau = np.arange(0, 61.0)
    th = {"status": "ok", "kwargs": {"alpha_z": 2.0, "alpha_r": 0.0},
          "result": {"solver": "sampling", "delta_h": theory_delta, "delta_h_stderr": theory_se,
                     "tau_relax": 10.0, "tau_relax_stderr": 0.1, "lambda_max": lam, "lambda_max_stderr": lam_se,
                     "tau": tau.tolist(), "c_h": (theory_delta * np.exp(-tau / 10)).tolist(),
                     "c_h_stderr": np.full(tau.size, theory_se).tolist(), "window": 60.0,
                     "settings": {"n_chains": 8, "n_paths": 128, "dt": 0.1}}}
    nets = [{"status": "ok", "kwargs": {"alpha_z": 2.0, "alpha_r": 0.0, "n": n},
             "result": {"tau": tau.tolist(), "c_h": (c0 * np.exp(-tau / 10)).tolist(), "mean_h2": c0,
                        "mean_h2_halves": [c0, c0], "n_units": n}} for n, c0, _ in net_values]
    lam = [{"status": "ok", "kwargs": {"alpha_z": 2.0, "alpha_r": 0.0, "n": n, "network_seed": s},
            "result": {"lambda_max": lm, "lambda_block_stderr": 0.003}} for s, (n, _, lm) in enumerate(net_values)]
    return {"theory": [th], "networks": nets, "lambda": lam}


def test_verdicts_pass_and_fail():
    # networks scatter 0.099-0.101 at both sizes, lambda_max follows lambda_inf - 0.5 / N
    vals = [(n, c, 0.05 - 0.5 / n + e) for n in (500, 1000) for c, e in ((0.099, -1e-3), (0.1, 0.0), (0.101, 1e-3))]
    d = g.grid_data(_records(vals))
    assert len(d) == 1 and [p["n"] for p in d[0]["per_n"]] == [500, 1000]
    v = g.point_verdicts(d[0], min_lam_seeds=3)  # 3 synthetic seeds
    assert v["c"]["passed"] and v["delta"]["passed"] and v["lambda"]["passed"]
    assert v["lambda"]["inv_n"][0] == pytest.approx(0.05, abs=1e-9)
    rows = g.rows_for_point(d[0], v)
    assert len(rows) == 3 and all(r.passed for r in rows)
    # a 5% offset at the largest N with small seed errors and no finite-size change fails
    vals = [(n, c * 0.95, 0.05 + e) for n in (500, 1000) for c, e in ((0.0999, -1e-4), (0.1, 0.0), (0.1001, 1e-4))]
    v = g.point_verdicts(g.grid_data(_records(vals))[0], min_lam_seeds=3)
    assert not v["c"]["passed"] and not v["delta"]["passed"] and v["lambda"]["passed"]
    # the lambda tolerance contains the DMFT error: a DMFT 10 SE away fails
    v = g.point_verdicts(g.grid_data(_records(vals, lam=0.07, lam_se=0.002))[0], min_lam_seeds=3)
    assert not v["lambda"]["passed"]


def test_path_bias_summary_and_quick_scale(tmp_path):
    from types import SimpleNamespace

    from theory.validation import Context
    from theory.validation.dmft_sampling_bias import summarise

    assert validation.registered_checks()["dmft_sampling_path_bias"](Context("quick", tmp_path)) == []
    exact = SimpleNamespace(delta_h=1.0, tau_relax=10.0)
    rows = [{"n_paths": 32, "n_chains": 4, "seed": s, "delta_h": 1.0 + e, "z_delta": e / 0.01, "tau_relax": 10.0,
             "z_tau": 0.0} for s, e in enumerate((0.01, -0.01, 0.02))]
    (out,) = summarise({"exact": exact, "rows": rows, "total": 128})
    assert out["mean_z_delta"] == pytest.approx(2 / 3) and out["rel_delta"] == pytest.approx(0.02 / 3)
    assert out["n_seeds"] == 3 and out["mean_z_tau"] == 0.0


def test_lambda_row_fails_when_both_finite_size_laws_are_rejected():
    # three sizes; the middle one far below both neighbours (as measured at N = 1000 for alpha_z = 2)
    vals = [(n, c, lam + e) for n, lam in ((500, 0.047), (1000, 0.028), (2000, 0.050))
            for c, e in ((0.1, -1e-3), (0.1, 0.0), (0.1, 1e-3))]
    v = g.point_verdicts(g.grid_data(_records(vals, lam=0.04, lam_se=0.01))[0], min_lam_seeds=3)
    assert max(v["lambda"]["p_law"]) < 0.01 and not v["lambda"]["passed"]
    # a smooth 1/N approach passes the law test
    vals = [(n, c, 0.05 - 5.0 / n + e) for n in (500, 1000, 2000) for c, e in ((0.1, -1e-3), (0.1, 0.0), (0.1, 1e-3))]
    v = g.point_verdicts(g.grid_data(_records(vals))[0], min_lam_seeds=3)
    assert v["lambda"]["law_ok"] and v["lambda"]["passed"]


def test_lambda_error_is_the_seed_standard_error():
    # the error per N is the seed-to-seed SE, whatever the runs' own block errors say
    vals = [(n, 0.1, 0.05 + e) for n in (500, 1000) for e in (-0.004, 0.0, 0.004)]
    rec = _records(vals)
    for r in rec["lambda"]:
        r["result"]["lambda_block_stderr"] = 0.0005
    p = g.grid_data(rec)[0]["lam_per_n"][0]
    assert p["lam_se"] == pytest.approx(0.004 / np.sqrt(3)) and p["lam_sd"] == pytest.approx(0.004)
    assert p["lam_block_se"] == pytest.approx(0.0005 / np.sqrt(3))


def test_t99_welch_satterthwaite():
    from scipy import stats

    # exact theory (no error): the seed dof alone; two equal errors with equal dof: 2 dof + 2 dof
    assert g.t99(0.01, 5) == pytest.approx(stats.t.ppf(0.995, 5))
    assert g.t99(0.01, 2, 0.01, 2) == pytest.approx(stats.t.ppf(0.995, 4))
    # a dominant DMFT error takes its own dof; elementwise over lags
    q = g.t99(np.array([1e-6, 0.01]), 5, 0.01, 7)
    assert q[0] == pytest.approx(stats.t.ppf(0.995, 7), rel=1e-6) and stats.t.ppf(0.995, 12) < q[1] < q[0]


def test_lambda_rows_need_enough_seeds():
    # lambda-only records (no C_h) give the lambda row; C_h rows come from the correlation runs
    vals = [(n, 0.1, 0.05) for n in (500, 1000) for _ in range(3)]
    rec = _records(vals)
    rng = np.random.default_rng(3)
    lam = [{"status": "ok", "kwargs": {"alpha_z": 2.0, "alpha_r": 0.0, "n": n, "network_seed": s},
            "result": {"lambda_max": 0.05 - 2.0 / n + 0.002 * rng.standard_normal(), "lambda_block_stderr": 0.003}}
           for n in (500, 1000, 2000) for s in range(8)]
    d = g.grid_data({**rec, "lambda": lam})[0]
    assert [p["n_seeds"] for p in d["lam_per_n"]] == [8, 8, 8]
    v = g.point_verdicts(d)
    assert v["lambda"]["seeds_ok"] and v["lambda"]["law_ok"] and v["lambda"]["passed"]
    assert len(g.rows_for_point(d, v)) == 3
    # lambda-only point without network runs: only the lambda row
    d = g.grid_data({"theory": rec["theory"], "networks": [], "lambda": lam})[0]
    v = g.point_verdicts(d)
    assert "c" not in v and [r.passed for r in g.rows_for_point(d, v)] == [True]
    # the same data with 4 seeds per N does not measure the seed spread: the row fails
    few = [r for r in lam if r["kwargs"]["network_seed"] < 4]
    v = g.point_verdicts(g.grid_data({**rec, "lambda": few})[0])
    assert not v["lambda"]["seeds_ok"] and not v["lambda"]["passed"]


def test_lambda_plan_keys_do_not_depend_on_the_seed_count():
    small = g.lambda_plan("full", points=((0.0, 0.0),), seeds=(0, 1), ns=(500,))
    big = g.lambda_plan("full", seeds=tuple(range(12)))
    assert {p.key for p in small} <= {p.key for p in big}
    assert len({p.key for p in big}) == len(big) == 4 * 12 * 3 + 2 * 12 * 2   # alpha_z = 10: N = 1000, 2000
    # point by point, then seed by seed with all sizes of a seed together
    assert [(p.kwargs["network_seed"], p.kwargs["n"]) for p in big[:4]] == [(0, 2000), (0, 1000), (0, 500), (1, 2000)]
    assert len(g.lambda_plan("quick")) == 2 * 2 * 4
    # the full scale: a seed count per N
    full = g.lambda_plan("full", points=((2.0, 0.0),))
    assert {n: sum(p.kwargs["n"] == n for p in full) for n in (500, 1000, 2000)} == g.LAM_SEEDS
    assert {p.key for p in full} <= {p.key for p in g.lambda_plan("full", seeds=tuple(range(20)))}
    slow = g.lambda_plan("full", points=((10.0, 0.0),))
    assert {n: sum(p.kwargs["n"] == n for p in slow) for n in (1000, 2000)} == {1000: 8, 2000: 6}


def test_lambda_task_tiny():
    r = g.lambda_task(g_h=4.0, alpha_z=2.0, alpha_r=0.0, n=40, network_seed=1, t_qr=10.0, t_transient=5.0, dt=0.1)
    assert np.isfinite(r["lambda_max"]) and len(r["block_exponents"]) == 10
    assert r["lambda_max"] == pytest.approx(np.mean(r["block_exponents"]))


def test_strong_update_gate_points_get_the_slow_settings():
    th, nets = g.grid_plan("full")
    slow = [p.kwargs for p in th if p.kwargs["alpha_z"] >= g.SLOW_ALPHA_Z]
    assert len(slow) == 2 and all(k["dmft"]["window"] == 1280.0 and k["window_check"] for k in slow)
    assert all(k["dmft"] == {} for k in (p.kwargs for p in th) if k["alpha_z"] < g.SLOW_ALPHA_Z)
    for p in nets:
        k = p.kwargs
        if k["alpha_z"] >= g.SLOW_ALPHA_Z:
            assert k["h0_scale"] == 0.4 and k["t_transient"] == 500.0
        else:   # unchanged keyword arguments, so stored runs keep their keys
            assert "h0_scale" not in k and k["t_transient"] == 200.0
    lam = [p.kwargs for p in g.lambda_plan("full", points=((10.0, 2.0), (2.0, 2.0)), seeds=(0,), ns=(500,))]
    assert [(k["t_transient"], k.get("h0_scale")) for k in lam] == [(300.0, 0.4), (100.0, None)]


def test_network_task_starts_at_the_given_scale():
    kw = dict(g_h=4.0, alpha_z=10.0, alpha_r=0.0, n=30, network_seed=2, t_corr=2.0, t_transient=0.1, dt=0.1,
              max_lag=1.0)
    small, big = g.network_task(h0_scale=0.1, **kw), g.network_task(**kw)
    assert small["mean_h2"] < 0.05 < big["mean_h2"]


def test_window_change_of_the_theory_enters_the_tolerances():
    vals = [(n, c, 0.05 - 0.5 / n + e) for n in (500, 1000) for c, e in ((0.099, -1e-3), (0.1, 0.0), (0.101, 1e-3))]
    rec = _records(vals)
    v0 = g.point_verdicts(g.grid_data(rec)[0], min_lam_seeds=3)
    th = rec["theory"][0]["result"]
    tau = np.array(th["tau"])
    th["half_window"] = {"window": 30.0, "delta_h": th["delta_h"] + 0.004, "lambda_max": th["lambda_max"] - 0.003,
                         "tau": th["tau"], "c_h": (np.array(th["c_h"]) + 0.004 * np.exp(-tau / 10)).tolist()}
    d = g.grid_data(rec)[0]
    v = g.point_verdicts(d, min_lam_seeds=3)
    np.testing.assert_allclose(v["c"]["tol"] - v0["c"]["tol"], 0.004 * np.exp(-d["lags"] / 10), atol=1e-12)
    assert v["delta"]["tol"] - v0["delta"]["tol"] == pytest.approx(0.004)
    assert v["lambda"]["tol"] - v0["lambda"]["tol"] == pytest.approx(0.003)
    assert all("measured window dependence" in r.details for r in g.rows_for_point(d, v))


def test_lambda_row_fails_when_its_tolerance_exceeds_lambda():
    # 8 seeds per N with a seed s.d. of 0.05 around lambda_max = 0.05: agreement, but unresolved
    rng = np.random.default_rng(1)
    vals = [(n, 0.1, 0.05) for n in (500, 1000) for _ in range(3)]
    rec = _records(vals)
    lam = [{"status": "ok", "kwargs": {"alpha_z": 2.0, "alpha_r": 0.0, "n": n, "network_seed": s},
            "result": {"lambda_max": 0.05 + 0.05 * rng.standard_normal(), "lambda_block_stderr": 0.003}}
           for n in (500, 1000, 2000) for s in range(8)]
    d = g.grid_data({**rec, "lambda": lam})[0]
    v = g.point_verdicts(d)
    assert v["lambda"]["tol"] > 0.05 and not v["lambda"]["resolved"] and not v["lambda"]["passed"]
    assert "do not resolve it" in g.rows_for_point(d, v)[-1].details
