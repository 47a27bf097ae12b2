"""Gradients with fluctuating gates (issue 8): the full-scale check
``adjoint_growth_fluctuating_gates``, networks against the adjoint mean-field theory over g_h in
{4, 6} and alpha_z in {0, 2, 10}, run as resumable sweeps.

Rows, per point (g_h, alpha_z), at the larger N of two, 6 network seeds each (24 at ageing points):

* explode (a stationary chaotic state): backward growth rate of |lambda_h| = lambda_max of the
  tangent DMFT (constant-gate solver at alpha_z = 0, sampled tangent DMFT otherwise;
  :func:`theory.adjoint_mft.adjoint_growth_rate`), tolerance t_99 (99% Student-t for the seed
  count, :func:`theory.validation.adjoint.t_factor`) x sqrt(seed stderr^2 + theory stderr^2) + the
  change between the two N (measured finite-size drift) + at alpha_z = 10 the change of the theory
  between its lag windows W and W / 2 (measured window dependence: the sampled DMFT's correlation
  time grows with its window there at every affordable W, so it runs at a fixed W = 1280,
  ``AZ10_DMFT``; theory/validation/dmft_grid.py); the row fails as unresolved unless its
  tolerance is below the rate (else it cannot tell the rate from 0). And rho(tau) of lambda_h =
  the sampled adjoint DMFT (:mod:`theory.adjoint_sampling`; psi_0 at alpha_z = 0), same
  tolerance without the window term, per lag.
* ageing (g_h = 4, alpha_z = 10: the networks age, below): (1) the growth rate falls with the
  network's age, from YOUNG_TRANSIENT = 300 to AGED_TRANSIENT = 3000, paired network by network
  (tolerance t_99 x the standard error of the paired difference); (2) the aged networks' rate is
  below the stationary tangent DMFT's (the smaller of its two windows), by more than t_99 x
  sqrt(seed stderr^2 + theory stderr^2) + the finite-size drift. The stationary theory's
  comparison does not apply to an ageing state. These rows test that the state ages and where
  the aged rate lies; the end state the static theory offers, the marginal state with rate 0, is
  not reached at N >= 1000 by age 3000 and is not a row here (notebook 08 shows it at N = 300).

alpha_z = 10: the networks age. Started from h ~ N(0, 1), N = 1000, seed 0, blocks of 100 time
units (tangent growth rate, <h^2>, mean (dh/dt)^2; /work/scratch/s6/age_diag.py, 2026-12-01):

* g_h = 4 heads for the marginal state: after chaotic bursts (rate 0.03 at t = 500-800) the rate
  falls to 0.005 at t = 1500 and to 0.0002 / -0.0005 at t = 2100 / 2200, with (dh/dt)^2 ~ 1e-7 and
  <h^2> = 0.139 (static fixed-point branch D_h = 0.133). The static theory's end state is the
  gate-made marginal stability of THEORY.md section 3: (1 - f0) F_hr(0) = 0.68 < 1
  (:func:`theory.phase.marginal_mask`); at alpha_z = 10 the right edge of the typical fixed
  point's spectrum is 0.0032 (:func:`theory.spectral_curve.right_edge`), at alpha_z = 20 4e-5.
  How fast the networks get there depends on N: at age 3000 the rate is 0.0076 at N = 1000 and
  0.0109 at N = 2000 (this check, 24 networks), and at N = 300 most networks have reached ~0
  (notebook 08).
  The DMFT moves the same way with its window (rate 0.033 at W = 640, 0.022 at 1280), and two
  solves at W = 1280 with different seeds gave delta_h 0.1234(15) (seed 0, the grid's) and 0.1325
  (this check's; static D_h 0.1326): its spread between seeds is several times its stated error.
  An ageing (two-time, non-stationary) DMFT would be the theory of this state; it is not built.
* g_h = 6 goes the other way: the same seed starts slow (rate 0.03-0.05 up to t = 800) and is
  chaotic from t ~ 1000 (0.06-0.09, (dh/dt)^2 ~ 1e-4), although the hard-gate criterion also holds
  there ((1 - f0) F_hr(0) = 0.93 < 1; typical fixed-point edge 0.051). At N = 300, 3 of 4
  networks had frozen by age 3000 (rates -0.001-0.008; one 0.086): small networks find the
  marginal states sooner.

Which of the coexisting states (chaos, marginal fixed points) the networks reach is measured,
not predicted by the theory here; the rows state it per point (``POINTS``) and test it. The
networks at alpha_z = 10 are measured after a transient of AGED_TRANSIENT = 3000.

History (g_h = 6, alpha_z = 10, session 4; scripts and logs in /work/scratch/s4/az10). The tangent
DMFT's K = 0 sector is exact (theory/dmft_tangent_sampling.py). Two theory faults were found and
fixed: the two-round tangent fit ended on a root extrapolated beyond its fitted lambdas (0.1036;
rounds now go on until the root is bracketed), and the automatic lag window stopped at W = 320
with C_h(320) / C_h(0) = 0.067. The correlation time grows with the window: tau_relax 134, 177, 243
and lambda_max 0.1119, 0.1000, 0.0956 at W = 320, 640, 1280 (C_h(200) / C_h(0) = 0.30, 0.33,
0.41). Networks (QR, window 600 after 350): N = 1000 0.071(8), N = 2000 0.083(6) pooled over two
starts; from h ~ N(0, 1) the population <h^2> relaxes over ~1000 time units (0.23 at t = 55, 0.19
at 300, 0.16 at 1000; DMFT 0.163), and seed 0 had C_h(200) / C_h(0) = 0.79 at N = 1000: the
slow start that the age of 3000 now leaves behind. Session 5 ran this check at age 300 (g_h = 4,
alpha_z = 10: 0.0196(32) at N = 2000 against the chaotic W = 1280 theory 0.0190(6), W / 2 0.0295:
close, but a transient against a window; the networks' rate falls with age, the DMFT's with W).

Measured (2026-12-01; sweeps in /work/scratch/s7/adj_store, task times adding up to 8.0
core-hours, run as 2-4 processes on 2 cores; then ``python -m theory reproduce --scale full
--only adjoint_growth_fluctuating_gates`` with the store in reports/adjoint_fluctuating: 12 rows,
12 PASS). Growth rate of |lambda_h|, networks at the smaller / larger N against the tangent DMFT
(tolerance):
g_h = 4: alpha_z = 0 0.0443(32) / 0.0440(31) vs 0.0562 (0.0128); alpha_z = 2 0.0386(19) /
0.0391(58) vs 0.0509(13) (0.0245). g_h = 6: alpha_z = 0 0.1043(34) / 0.1086(39) vs 0.1177
(0.0198); alpha_z = 2 0.0959(27) / 0.0941(31) vs 0.1072(18) (0.0163); alpha_z = 10, age 3000,
N = 1000 / 2000: 0.0735(86) / 0.0845(76) vs 0.0969(21), W / 2 0.1088 (0.0546). rho(tau) passes
at all five. At alpha_z <= 2 the networks sit 0.009-0.013 below the theory (the finite-N deficit
of lambda_max itself, theory/validation/dmft_grid.py), inside the tolerances through their
t x SE term. g_h = 4, alpha_z = 10 (24 networks per N and age, AGEING_SEEDS): young (age 300)
0.0210(20) / 0.0186(16), aged (3000) 0.0076(14) / 0.0109(10); paired fall 0.0134(20) at N = 1000
and 0.0077(19) at N = 2000 (tolerance 0.0054; 4.0 SE: PASS; seeds 12-23 alone 0.0095(30), 3.2 SE);
the aged rate is below the DMFT's 0.0220 (W = 1280; 0.0328 at W / 2) by more than its tolerance
0.0071 (PASS). So the networks age at both N, but less at the larger: the young rate falls and the
aged rate rises with N. Whether the N -> infinity state still ages, or is stationary with a rate
below the W = 1280 DMFT's (which still falls with W), these sizes do not decide: that needs larger
N and longer ages, or an ageing (two-time) DMFT.
"""

from __future__ import annotations

import argparse
import math
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from ..adjoint_mft import adjoint_growth_rate, adjoint_mft, measure_adjoint
from ..adjoint_sampling import adjoint_correlation_sampling
from ..params import ModelParams
from ..sweeps import load_record, plan, run_sweep
from . import CheckResult, check
from .adjoint import LAGS, _se, t_factor

#: Expected regime of each (g_h, alpha_z) point: "explode" (chaos: rate = tangent-DMFT
#: lambda_max) or "ageing" (the networks age: the rate falls with age). Module docstring.
POINTS = {(4.0, 0.0): "explode", (4.0, 2.0): "explode", (4.0, 10.0): "ageing",
          (6.0, 0.0): "explode", (6.0, 2.0): "explode", (6.0, 10.0): "explode"}
SEEDS = tuple(range(6))
#: ageing points: 24 networks, the test's third look. Looks so far at N = 2000: 6 networks gave a
#: fall with age of 0.0090 +- 0.0034 (tolerance 0.0137), 12 gave 0.0058 +- 0.0023 (tolerance
#: 0.0072); 24 were set before seeds 12-23 ran, for an expected standard error ~0.0016. Each look
#: is one-sided at 0.5% (fall > t_99 x SE): over the three looks the false-positive rate is
#: below 1.5% (Bonferroni)
AGEING_SEEDS = tuple(range(24))
T_WINDOW, T_ALIGN, DT = 150.0, 20.0, 0.1
#: alpha_z = 10: a fixed DMFT lag window (module docstring), cheaper sampling for the long
#: window, a 256-path tangent DMFT; lambda_max still grows between N = 1000 and 2000 there.
AZ10_WINDOW = 1280.0
AZ10_DMFT = dict(n_paths=64, n_chains=6, dt=0.2, window=AZ10_WINDOW, max_window=AZ10_WINDOW, tail_tol=1.0)
#: network age at alpha_z = 10: the state at 300 is still a transient at both g_h (module docstring);
#: at ageing points the networks are measured at YOUNG_TRANSIENT too
AGED_TRANSIENT = 3000.0
YOUNG_TRANSIENT = 300.0
#: Settings by alpha_z. alpha_z <= 2: the solver defaults (8 chains x 128 paths, dt 0.1) and 1024
#: tangent paths (6 x 64 paths, dt 0.2 and 256 tangent paths gave lambda_max 0.0447 +- 0.0064 at
#: g_h = 4, alpha_z = 2, an error larger than the networks' seed error).
SETTINGS = {"fast": dict(ns=(500, 1000), t_transient=100.0, dmft={}, tangent_paths=1024, window_check=False),
            "slow": dict(ns=(1000, 2000), t_transient=AGED_TRANSIENT, dmft=AZ10_DMFT, tangent_paths=256,
                         window_check=True)}


def settings(alpha_z: float) -> dict:
    """The SETTINGS entry of alpha_z ("slow" from alpha_z = 10)."""
    return SETTINGS["slow" if alpha_z >= 10 else "fast"]


def measured_lags(dt: float = DT) -> np.ndarray:
    """The lags :func:`theory.adjoint_mft.measure_adjoint` measures: LAGS in whole steps."""
    return np.array([round(lag / dt) for lag in LAGS]) * dt


# ---- sweep tasks ------------------------------------------------------------------------------

def theory_task(*, g_h: float, alpha_z: float, dmft: dict, tangent_paths: int, window_check: bool,
                dt: float, seed: int = 0) -> dict:
    """Mean-field growth rate (and at W / 2 if ``window_check``) and rho(tau) at the measured lags.

    Seeds: the DMFT ``seed``, the tangent DMFT ``seed + 1``, the adjoint correlation ``seed + 2``.
    """
    from threadpoolctl import threadpool_limits

    params = ModelParams.gated(g_h, alpha_z=alpha_z)
    lags = measured_lags(dt)
    tangent = dict(seed=seed + 1, n_paths=tangent_paths)
    with threadpool_limits(1):
        th = adjoint_growth_rate(params, dmft_kwargs=dict(seed=seed, **dmft), tangent_kwargs=tangent)
        out = {"growth_rate": th.growth_rate, "stderr": th.stderr, "method": th.method, "lags": lags.tolist()}
        if th.solution is None:
            out.update(rho=adjoint_mft(params).rho_at(lags).tolist(), rho_stderr=[0.0] * len(lags))
            return out
        sol = th.solution
        out.update(delta_h=sol.delta_h, tau_relax=sol.tau_relax, window=sol.settings["window"])
        if window_check:
            w = sol.settings["window"] / 2
            half = adjoint_growth_rate(params, dmft_kwargs=dict(seed=seed, **{**dmft, "window": w, "max_window": w}),
                                       tangent_kwargs=tangent)
            out.update(half_window_rate=half.growth_rate, half_window_stderr=half.stderr)
        corr = adjoint_correlation_sampling(sol, th.growth_rate, seed=seed + 2)
        out.update(rho=corr.rho_at(lags).tolist(), rho_stderr=np.interp(lags, corr.tau, corr.rho_stderr).tolist())
    return out


def network_task(*, g_h: float, alpha_z: float, n: int, network_seed: int, t_window: float, dt: float,
                 t_transient: float, seed: int = 0) -> dict:
    """One network: backward growth rate of |lambda_h|, rho(tau) and <h^2> after ``t_transient``
    (:func:`theory.adjoint_mft.measure_adjoint`, terminal loss, T_ALIGN of alignment). ``seed``
    (from the sweep) is unused: couplings and initial state come from ``network_seed``."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        m = measure_adjoint(ModelParams.gated(g_h, alpha_z=alpha_z), n, network_seed, t_window=t_window, dt=dt,
                            t_transient=t_transient, t_align=T_ALIGN, tangent=False, lags=measured_lags(dt))
    return {"growth_rate": m.growth_rate, "rho": m.rho.tolist(), "lags": m.lags.tolist(), "delta_h": m.delta_h}


def fluctuating_plan(points=None, seeds=None, ns=None):
    """The two sweep plans (theory, networks). Every point is planned on its own, so its key
    depends on its arguments only (adding seeds or points later keeps every stored run); networks
    point by point, largest N first (an interrupted run has whole points). ``seeds``: default
    SEEDS, AGEING_SEEDS at ageing points."""
    points = list(POINTS) if points is None else points
    th, nets = [], []
    for g_h, az in points:
        cfg = settings(az)
        th += plan(theory_task, [dict(g_h=g_h, alpha_z=az, dmft=cfg["dmft"], tangent_paths=cfg["tangent_paths"],
                                      window_check=cfg["window_check"], dt=DT)])
        ageing = POINTS.get((g_h, az)) == "ageing"
        for age in (cfg["t_transient"], YOUNG_TRANSIENT) if ageing else (cfg["t_transient"],):
            for n in sorted(cfg["ns"] if ns is None else set(ns) & set(cfg["ns"]), reverse=True):
                nets += [plan(network_task, [dict(g_h=g_h, alpha_z=az, n=n, network_seed=s, t_window=T_WINDOW,
                                                  dt=DT, t_transient=age)])[0]
                         for s in (seeds if seeds is not None else AGEING_SEEDS if ageing else SEEDS)]
    return th, nets


def run_fluctuating(out, *, executor=None, points=None, seeds=None, ns=None, only: str = "all",
                    progress: bool | None = None) -> dict:
    """Run (or resume) the sweeps of :func:`fluctuating_plan` (``only``: "theory", "networks" or
    "all") into ``out``; default executor one thread, in process. Returns the records run."""
    th_plan, net_plan = fluctuating_plan(points, seeds=seeds, ns=ns)
    own = executor is None
    ex = ThreadPoolExecutor(1) if own else executor
    records = {"theory": [], "networks": []}
    try:
        if only in ("theory", "all"):
            records["theory"] = run_sweep(theory_task, th_plan, Path(out) / "theory", executor=ex,
                                          progress=progress, desc="adjoint theory").records
        if only in ("networks", "all"):
            records["networks"] = run_sweep(network_task, net_plan, Path(out) / "networks", executor=ex,
                                            progress=progress, desc="adjoint networks").records
    finally:
        if own:
            ex.shutdown()
    return records


# ---- aggregation and verdicts -----------------------------------------------------------------

def _per_n(runs: list[dict]) -> list[dict]:
    """Per N: seed means and seed standard errors of the growth rate, rho(tau) and <h^2>."""
    out = []
    for n in sorted({r["kwargs"]["n"] for r in runs}):
        at_n = sorted((r for r in runs if r["kwargs"]["n"] == n), key=lambda r: r["kwargs"]["network_seed"])
        rates = np.array([r["result"]["growth_rate"] for r in at_n])
        rho = np.array([r["result"]["rho"] for r in at_n])
        dh = np.array([r["result"]["delta_h"] for r in at_n])
        out.append({"n": int(n), "seeds": [r["kwargs"]["network_seed"] for r in at_n], "rates": rates,
                    "mean": float(rates.mean()), "se": float(_se(rates)), "rho_mean": rho.mean(axis=0),
                    "rho_se": _se(rho), "delta_h": float(dh.mean()), "delta_h_se": float(_se(dh)),
                    "t_transient": at_n[0]["kwargs"]["t_transient"]})
    return out


def point_data(records: dict) -> list[dict]:
    """Per point with a theory and networks: the theory record, ``per_n`` (:func:`_per_n`, networks
    at the point's transient) and, at ageing points, ``young_per_n`` (at YOUNG_TRANSIENT)."""
    ok = [r for r in records["networks"] if r is not None and r["status"] == "ok"]
    out = []
    for t in (r for r in records["theory"] if r is not None and r["status"] == "ok"):
        key = (t["kwargs"]["g_h"], t["kwargs"]["alpha_z"])
        runs = [r for r in ok if (r["kwargs"]["g_h"], r["kwargs"]["alpha_z"]) == key]
        age = settings(key[1])["t_transient"]
        per_n = _per_n([r for r in runs if r["kwargs"]["t_transient"] == age])
        if per_n:
            regime = POINTS.get(key, "explode")
            young = _per_n([r for r in runs if r["kwargs"]["t_transient"] == YOUNG_TRANSIENT]) \
                if regime == "ageing" else []
            out.append({"g_h": key[0], "alpha_z": key[1], "regime": regime, "theory": t["result"],
                        "lags": np.array(t["result"]["lags"]), "per_n": per_n, "young_per_n": young})
    return out


def _paired(young: dict, aged: dict) -> np.ndarray:
    """(networks, 2) growth rates young, aged of the seeds measured at both ages."""
    common = sorted(set(young["seeds"]) & set(aged["seeds"]))
    return np.array([[young["rates"][young["seeds"].index(s)], aged["rates"][aged["seeds"].index(s)]]
                     for s in common]).reshape(-1, 2)


def ageing_change(young: dict, aged: dict) -> dict:
    """Paired (same networks) fall of the growth rate from the young to the aged measurement:
    mean and standard error of rate_young - rate_aged over the seeds measured at both ages."""
    pairs = _paired(young, aged)
    diff = pairs[:, 0] - pairs[:, 1]
    se = float(_se(diff))
    return {"n": aged["n"], "n_seeds": len(diff), "mean": float(diff.mean()), "se": se,
            "tol": t_factor(len(diff)) * se if len(diff) > 1 else float("nan")}


def verdict(d: dict) -> dict:
    """Growth-rate and rho verdicts of one point (module docstring: rows and tolerances).

    Notes
    -----
    explode: |m_N - r_W| < tol = t_99 sqrt(se_N^2 + se_th^2) + |m_N - m_N'| + |r_W - r_{W/2}| and
    tol < |r_W|. ageing: (1) below the stationary theory, m_N + tol < min(r_W, r_{W/2}) with
    tol = t_99 sqrt(se_N^2 + se_th^2) + |m_N - m_N'|; (2) the rate falls with age, paired mean of
    rate(young) - rate(aged) over the networks at N > t_99 x its standard error. m: seed means at
    the larger N and the smaller N'; r: the tangent-DMFT rate at lag windows W and W / 2.
    """
    th, big = d["theory"], d["per_n"][-1]
    k = len(big["rates"])
    drift = abs(big["mean"] - d["per_n"][-2]["mean"]) if len(d["per_n"]) > 1 else 0.0
    window = abs(th["growth_rate"] - th["half_window_rate"]) if "half_window_rate" in th else 0.0
    if d["regime"] == "ageing":
        alternative = min(th["growth_rate"], th.get("half_window_rate", np.inf))
        tol = t_factor(k) * math.hypot(big["se"], th["stderr"]) + drift
        changes = [ageing_change(y, a) for y in d["young_per_n"] for a in d["per_n"] if a["n"] == y["n"]]
        at_big = next((c for c in changes if c["n"] == big["n"]), None)
        below = big["mean"] + tol < alternative
        falls = at_big is not None and at_big["mean"] > at_big["tol"]
        return {"alternative": alternative, "sim": big["mean"], "tol": tol, "drift": drift, "window": window,
                "below_passed": below, "changes": changes, "falls_passed": falls, "passed": below and falls}
    tol = t_factor(k) * math.hypot(big["se"], th["stderr"]) + drift + window
    resolved = tol < abs(th["growth_rate"])
    rho_th, rho_th_se = np.array(th["rho"]), np.array(th["rho_stderr"])
    rho_drift = np.abs(big["rho_mean"] - d["per_n"][-2]["rho_mean"]) if len(d["per_n"]) > 1 else 0.0
    rho_tol = t_factor(k) * np.hypot(big["rho_se"], rho_th_se) + rho_drift
    rho_dev = np.abs(big["rho_mean"] - rho_th)
    return {"expected": th["growth_rate"], "sim": big["mean"], "tol": tol, "drift": drift, "window": window,
            "resolved": resolved, "passed": resolved and abs(big["mean"] - th["growth_rate"]) < tol,
            "rho_tol": rho_tol, "rho_dev": rho_dev, "rho_passed": bool(np.all(rho_dev < rho_tol)),
            "rho_worst": int(np.argmax(rho_dev / rho_tol))}


# ---- the check --------------------------------------------------------------------------------

def _per_n_text(per_n: list[dict]) -> str:
    return "; ".join(f"N={p['n']}: {p['mean']:.4f} +- {p['se']:.4f} (seeds {np.array2string(p['rates'], precision=4)})"
                     for p in per_n)


def rows_for_point(d: dict, v: dict) -> list[CheckResult]:
    """The report rows of one point: explode, growth rate and rho(tau); ageing, the fall with age
    and the aged rate below the stationary theory (module docstring)."""
    th, big, small = d["theory"], d["per_n"][-1], d["per_n"][0]
    k = len(big["rates"])
    label = f"gated g_h={d['g_h']:g}, alpha_z={d['alpha_z']:g}, N={big['n']}"
    theory = (f"Theory: {th['method']}, {th['growth_rate']:.4f} +- {th['stderr']:.4f}"
              + (f" (DMFT delta_h {th['delta_h']:.4f}, tau_relax {th['tau_relax']:.3g}, lag window {th['window']:g})"
                 if "delta_h" in th else "")
              + (f"; at W / 2: {th['half_window_rate']:.4f} +- {th['half_window_stderr']:.4f}"
                 if "half_window_rate" in th else ""))
    drift = (f" + the change between N = {small['n']} and {big['n']} (measured finite-size drift, "
             f"{v['drift']:.4f})")
    setup = (f"Terminal loss, adjoint fitted over {T_WINDOW:g} time units after {T_ALIGN:g} of alignment "
             f"(dt = {DT:g}), networks from h ~ N(0, 1) after a transient of {big['t_transient']:g}; "
             f"<h^2> at N = {big['n']}: {big['delta_h']:.4f} +- {big['delta_h_se']:.4f}.")
    if d["regime"] == "ageing":
        c = next((c for c in v["changes"] if c["n"] == big["n"]), None)
        changes = "; ".join(f"N={c['n']}: {c['mean']:.4f} +- {c['se']:.4f} ({c['n_seeds']} networks, "
                            f"{'significant' if c['mean'] > c['tol'] else 'not significant'} at 99%)"
                            for c in v["changes"])
        return [CheckResult(
            f"the state ages: backward growth rate of |lambda_h| falls between network ages {YOUNG_TRANSIENT:g} "
            f"and {big['t_transient']:g} ({label}, paired by network)", "decrease",
            float("nan") if c is None else c["mean"], "n/a" if c is None else f"> {c['tol']:.3g}", v["falls_passed"],
            f"Young (age {YOUNG_TRANSIENT:g}): {_per_n_text(d['young_per_n'])}. Aged (age {big['t_transient']:g}): "
            f"{_per_n_text(d['per_n'])}. Fall rate(young) - rate(aged), same networks: {changes}; tolerance "
            f"t_99 x the standard error of the paired difference. The stationary DMFT assumes a state that does "
            f"not change with age; here it changes with its lag window as well ({theory[8:]}). The end state the "
            f"static theory offers is the gate-made marginal stability (rate 0; THEORY.md section 3, module "
            f"docstring)."),
            CheckResult(
            f"aged networks' growth rate below the stationary tangent DMFT's at its lag windows W, W / 2 ({label})",
            v["alternative"], v["sim"], f"sim + {v['tol']:.3g} < theory", v["below_passed"],
            f"Aged networks: {_per_n_text(d['per_n'])}. {theory}; compared with the smaller of the two windows' "
            f"rates (the DMFT's rate falls as W grows, so this row bounds the aged state by the theory at these "
            f"windows; the fall with age is the row above). {setup} Tolerance {t_factor(k):.2f} x "
            f"sqrt(seed stderr^2 + theory stderr^2) (99% Student-t, {k} seeds){drift}.")]
    tolerance = (f"Tolerance {t_factor(k):.2f} x sqrt(seed stderr^2 + theory stderr^2) (99% Student-t, {k} seeds)"
                 + drift + (f" + the change of the theory between W and W / 2 (measured window dependence, "
                            f"{v['window']:.4f})" if "half_window_rate" in th else "") + ".")
    unresolved = ("" if v["resolved"] else
                  " The row fails: its tolerance exceeds the theory's rate, so the networks do not resolve it.")
    w = v["rho_worst"]
    return [CheckResult(
        f"adjoint backward growth rate of |lambda_h| = tangent-DMFT lambda_max ({label})",
        th["growth_rate"], v["sim"], f"+-{v['tol']:.3g}", v["passed"],
        f"Per N: {_per_n_text(d['per_n'])}. {theory}. {setup} {tolerance}{unresolved}"),
        CheckResult(
        f"normalised two-time correlation of lambda_h = sampled adjoint DMFT ({label}, worst lag "
        f"tau={d['lags'][w]:g})", float(th["rho"][w]), float(big["rho_mean"][w]), f"+-{v['rho_tol'][w]:.3g}",
        v["rho_passed"],
        "All lags " + ", ".join(f"tau={t:g}: theory {a:.4f} +- {ae:.4f}, sim {b:.4f} +- {be:.4f} (tol {e:.3g})"
                                for t, a, ae, b, be, e in zip(d["lags"], th["rho"], th["rho_stderr"],
                                                              big["rho_mean"], big["rho_se"], v["rho_tol"]))
        + ". Theory: " + ("psi_0(s_z tau)/psi_0(0) (constant gates)" if "delta_h" not in th else
                          "sampled single-site adjoint at the tangent-DMFT growth rate (theory/adjoint_sampling.py)")
        + "; gradient-independence assumption. Tolerance per lag: t_99 x sqrt(seed stderr^2 + theory "
          f"stderr^2) + |rho(N={big['n']}) - rho(N={small['n']})| (measured finite-size drift).")]


@check("adjoint_growth_fluctuating_gates")
def check_adjoint_fluctuating(ctx) -> list[CheckResult]:
    """Full scale only (sampling DMFT solves of minutes, N up to 2000 after transients of 3000):
    the quick report has no row from this check. Runs (or resumes) the sweeps in
    ``reports/adjoint_fluctuating``; :func:`main` runs them in parallel processes."""
    if ctx.scale == "quick":
        return []
    data = point_data(run_fluctuating(ctx.figures.parent / "adjoint_fluctuating", progress=False))
    rows = []
    for d in data:
        v = verdict(d)
        print(f"[adjoint_growth_fluctuating_gates] {summary_line(d, v)}", file=sys.stderr, flush=True)
        rows += rows_for_point(d, v)
    fig = ctx.figure_path("adjoint_growth_fluctuating.png")
    plot_points(data, fig)
    if rows:
        rows[0].figure = fig.name
    return rows


def summary_line(d: dict, v: dict) -> str:
    """One line per point: networks per N against the theory, and the verdicts."""
    nets = "; ".join(f"N={p['n']}: {p['mean']:.4f} +- {p['se']:.4f} ({len(p['rates'])} seeds)" for p in d["per_n"])
    head = f"g_h={d['g_h']:g} alpha_z={d['alpha_z']:g} ({d['regime']}): networks {nets}"
    if d["regime"] == "ageing":
        falls = "; ".join(f"N={c['n']}: {c['mean']:.4f} +- {c['se']:.4f}" for c in v["changes"])
        return (f"{head}; fall with age {falls or 'not measured'} {'PASS' if v['falls_passed'] else 'FAIL'}; below "
                f"the stationary theory {v['alternative']:.4f} (tol {v['tol']:.4f}) "
                f"{'PASS' if v['below_passed'] else 'FAIL'}")
    return (f"{head}; theory {v['expected']:.4f}, tol {v['tol']:.4f} {'PASS' if v['passed'] else 'FAIL'}; "
            f"rho {'PASS' if v['rho_passed'] else 'FAIL'}")


def plot_points(data, path) -> None:
    """Left: growth rate against alpha_z: the theory (squares; at ageing points a cross, the
    stationary value the networks leave) and the networks at the larger N (circles; triangles: the
    young networks of ageing points), seed stderr. One more panel per ageing point: each network's
    rate at the two ages, one line per network and N."""
    import matplotlib.pyplot as plt

    ageing = [d for d in data if d["regime"] == "ageing"]
    fig, axes = plt.subplots(1, 1 + len(ageing), figsize=(5 * (1 + len(ageing)) + 0.5, 4), squeeze=False)
    ax = axes[0, 0]
    for i, g_h in enumerate(sorted({d["g_h"] for d in data})):
        ds = [d for d in data if d["g_h"] == g_h]
        az = np.array([d["alpha_z"] for d in ds])
        ax.plot(az, [d["theory"]["growth_rate"] for d in ds], "s-", color=f"C{i}", label=f"tangent DMFT, g_h={g_h:g}")
        for d in ds:
            if d["regime"] == "ageing":
                ax.plot(d["alpha_z"], d["theory"]["growth_rate"], "x", ms=10, color=f"C{i}")
                for p in d["young_per_n"][-1:]:
                    ax.errorbar(d["alpha_z"] + 0.3, p["mean"], yerr=p["se"], fmt="^", color=f"C{i}", mfc="none",
                                label=f"networks at age {p['t_transient']:g}, g_h={g_h:g}")
        ax.errorbar(az + 0.15, [d["per_n"][-1]["mean"] for d in ds], yerr=[d["per_n"][-1]["se"] for d in ds],
                    fmt="o", color=f"C{i}", mfc="none",
                    label=f"networks, N = {'/'.join(str(d['per_n'][-1]['n']) for d in ds)}, g_h={g_h:g}")
    ax.axhline(0.0, color="k", lw=0.5)
    ax.set_xlabel("alpha_z (x: the stationary DMFT at an ageing point)")
    ax.set_ylabel("backward growth rate of |lambda_h|")
    ax.legend(fontsize=7)
    for d, ax in zip(ageing, axes[0, 1:]):
        ax.set_xscale("log")
        for j, aged in enumerate(d["per_n"]):
            young = next((y for y in d["young_per_n"] if y["n"] == aged["n"]), None)
            if young is None:
                continue
            pairs = _paired(young, aged)
            ages = [young["t_transient"], aged["t_transient"]]
            ax.plot(ages, pairs.T, "-", color=f"C{j + 2}", alpha=0.35, lw=0.8)
            ax.errorbar(ages, pairs.mean(axis=0), yerr=_se(pairs), fmt="o-", color=f"C{j + 2}", lw=2,
                        label=f"N = {aged['n']}, {len(pairs)} networks (mean, seed stderr)")
            ax.set_xticks(ages, [f"{a:g}" for a in ages])
        ax.axhline(0.0, color="k", lw=0.5)
        ax.minorticks_off()
        ax.set_xlabel("network age (transient before the window)")
        ax.set_ylabel("backward growth rate of |lambda_h|")
        ax.set_title(f"ageing point g_h={d['g_h']:g}, alpha_z={d['alpha_z']:g}", fontsize=9)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None) -> int:
    """Run (or resume) the sweeps of the check in parallel processes, then print its verdicts."""
    from concurrent.futures import ProcessPoolExecutor

    ap = argparse.ArgumentParser(description="Run (or resume) the adjoint fluctuating-gate sweeps.")
    ap.add_argument("--out", default="reports/adjoint_fluctuating")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--only", choices=("theory", "networks", "all"), default="all")
    ap.add_argument("--points", default=None, help="(g_h:alpha_z) subset, e.g. 4:10,6:10 (in this order)")
    ap.add_argument("--sizes", default=None, help="comma-separated N subset, e.g. 2000")
    ap.add_argument("--seeds", default=None, help="network seeds a:b (range a..b-1), default those of the point")
    args = ap.parse_args(argv)
    points = [tuple(float(v) for v in x.split(":")) for x in args.points.split(",")] if args.points else None
    if points and not set(points) <= set(POINTS):
        ap.error(f"--points must be among {sorted(POINTS)}")
    sizes = [int(x) for x in args.sizes.split(",")] if args.sizes else None
    seeds = range(*(int(x) for x in args.seeds.split(":"))) if args.seeds else None
    with ProcessPoolExecutor(args.workers) as ex:
        run_fluctuating(args.out, executor=ex, points=points, seeds=seeds, ns=sizes, only=args.only)
    full_th, full_net = fluctuating_plan()
    records = {"theory": [load_record(Path(args.out) / "theory", p) for p in full_th],
               "networks": [load_record(Path(args.out) / "networks", p) for p in full_net]}
    for d in point_data(records):
        print(summary_line(d, verdict(d)))
    return 0

