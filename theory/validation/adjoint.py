"""Adjoint (gradient) checks (issue 8): growth rates and two-time correlations of lambda_h from
networks against the adjoint mean-field theory (theory/adjoint_mft.py).

Rows:
* transpose identity: backward growth rate of |lambda_h| = forward growth rate of a tangent vector
  on the same trajectory window, over alpha_z (exact at any N as the window grows; tolerance the
  99% Student-t multiple of the seed standard error of the paired difference);
* explode: adjoint growth rate extrapolated to N -> infinity (a/N and a/sqrt(N), as in
  theory/validation/dmft.py) = DMFT lambda_max, over g; full scale only (N = 500, 1000). At quick
  sizes the finite-size bias is larger than the quick seeds can extrapolate: measured at additive
  g = 2 (8 seeds, window 100): N = 200 0.077 +- 0.012, 400 0.079 +- 0.009, 800 0.091 +- 0.005
  against lambda_max = 0.1125, so an extrapolation from (200, 400) carried a +-0.15 band. At quick
  scale the statement is covered by its two exact parts instead: the adjoint rate equals the
  tangent rate on the same trajectory (rows below, paired) and the network lambda_max tends to the
  DMFT value (theory/validation/dmft.py);
* correlation: normalised two-time correlation of lambda_h across units = psi_0(s_z tau)/psi_0(0)
  (gradient-independence assumption), over g; tolerance 99% Student-t x seed stderr at the largest N
  plus the change between N/2 and N (measured finite-size drift);
* vanish: decay rate at the quiescent fixed point = s_z(g_h s_r - 1) (right edge of the spectrum);
* slow modes: the update gate slows the decorrelation of lambda_h (rho(3) grows with alpha_z; the
  direction only: the alpha_z > 0 theory of rho is compared in the full-scale check below);
* fluctuating gates (check ``adjoint_growth_fluctuating_gates``, full scale only: N = 500 and 1000,
  N = 1000 and 2000 at alpha_z = 10, sampling DMFT solves of minutes each): over alpha_z in
  {0, 2, 10} and g_h in {4, 6}, the backward
  growth rate of |lambda_h| = lambda_max of the tangent DMFT (constant-gate solver at alpha_z = 0,
  sampled tangent DMFT otherwise) and rho(tau) of lambda_h = the sampled adjoint DMFT
  (theory/adjoint_sampling.py; psi_0 at alpha_z = 0); tolerance t_99 x sqrt(seed stderr^2 + theory
  stderr^2) at the larger N + the change between the two N (measured finite-size drift).
The computations live in ``*_data`` functions that tests call at tiny sizes.

Measured at full scale (2026-12-01, heavily loaded 2-core machine, 4-6 seeds). Chaotic check:
additive g = 2 extrapolated rate 0.124 +- 0.069 vs lambda_max 0.1125; gated g_h = 6 0.116 +- 0.050
vs 0.1177; rho at N = 1000 within tolerance at every lag; identity rows and the quiescent rate
pass. Fluctuating gates (session 3-4 settings, 4 seeds; superseded by the session-5 run at the
end of this docstring), growth rate at N = 1000 (N = 500) vs the tangent DMFT:
g_h = 4: alpha_z = 0 0.0396 (0.0458) vs 0.0562; alpha_z = 2 0.0314 (0.0405) vs 0.0447 +- 0.0064;
alpha_z = 10 0.0243 (0.0223) vs 0.0187 +- 0.0067. g_h = 6: alpha_z = 0 0.1114 (0.1072) vs 0.1177;
alpha_z = 2 0.0926 (0.0921) vs 0.1057 +- 0.0044; alpha_z = 10 0.0597 (0.0577) vs 0.1036 +- 0.0077.
All pass, but only because 4 seeds make the 99% Student-t factor 5.84: the networks sit below the
theory at every point but g_h = 4, alpha_z = 10 (alpha_z = 10: see the last paragraph). rho(tau)
agreed at every lag except tau = 0.25 at dt = 0.1, where the networks had measured the lag 0.2
(whole steps); :func:`theory.adjoint_mft.measure_adjoint` now returns the lags it measures and
the theory is evaluated there (psi_0(0.2) = 0.99904 and 0.99738 at g_h = 4, 6 vs networks
0.99917, 0.99760: inside the tolerances 0.00044, 0.00044).

alpha_z = 10 (g_h = 6, beta = 0; session 4, scripts and logs in /work/scratch/s4/az10, loaded
machine). The gap 0.044 above had a theory part and a network part; the tangent DMFT's K = 0
sector is exact (theory/dmft_tangent_sampling.py), so its approximation was not the cause.
Theory (DMFT 6 chains x 64 paths, dt 0.2; tangent 256 paths): (1) the two-round tangent fit ended
on a root extrapolated beyond its fitted lambdas (0.049-0.081 -> 0.1036; with 10 power steps
0.0905); rounds now go on until the root is bracketed: 0.1088 +- 0.0029 (10 power steps),
0.1119 +- 0.0031 (3) on the same solution. (2) The automatic lag window stopped at W = 320, where
C_h(320) / C_h(0) = 0.067 (the tail test passed inside its noise allowance): W = 640 gives delta_h
0.1633(18) (W = 320: 0.1622(20)), tau_relax 177(27) (134(10)) and lambda_max 0.1000 +- 0.0019;
W = 1280: delta_h 0.1637(17), tau_relax 243(38), lambda_max 0.0956 +- 0.0024. C_h(200) / C_h(0) =
0.30, 0.33, 0.41 at W = 320, 640, 1280: the DMFT correlation time is not converged in the window
even at 1280 (a real limit of the lagged solver here: the slow mode grows with the window), and
lambda_max falls with it (0.1119 -> 0.1000 -> 0.0956, 3 power steps at 320 and 1280, 10 at 640).
Networks (QR lambda_max, k = 1, window 600 after transients 300 + 50,
dt 0.1; seeds 0-2): N = 1000 from h ~ N(0, 1): 0.037(4), 0.078(7), 0.078(7), mean 0.064(14) (the
adjoint's 0.060 agrees); from h ~ N(0, 0.4^2) (the stationary scale): 0.071(9), 0.076(7), 0.086(5),
mean 0.078(4); N = 2000 from N(0, 1): 0.088(3), 0.085(4), 0.077(5), mean 0.083(3); from
N(0, 0.4^2): 0.091(5), 0.091(5), 0.068(4), mean 0.083(8). Pooling both starts (same 3 coupling
matrices: per-seed means, error their spread): N = 1000 0.071(8), N = 2000 0.083(6); a/N
extrapolation 0.096 +- 0.014, a/sqrt(N) 0.113 +- 0.028, both consistent with the W = 1280 theory
0.0956; at N = 2000 the gap is 0.013. dt 0.05
(N = 1000, seed 1): 0.072(5) vs 0.078(7) at dt 0.1, no step-size effect resolved. The networks are
slow and intermittent at N = 1000: from N(0, 1) the population <h^2> relaxes over ~1000 time units
(0.23 at t = 55, 0.19 at 300, 0.16 at 1000; DMFT 0.163), QR blocks of 50 time units range over
0.01-0.11 in one run, and seed 0 (the slow coupling matrix also seen in theory/validation/dmft_grid.py)
has C_h(200) / C_h(0) = 0.79 against the DMFT 0.33 / 0.41 at W = 640 / 1280 (seed 1: 0.44,
<h^2> 0.1643 vs 0.1637; both from dmft_grid.network_task, correlation window 600 after 440). So N = 500
and 1000 agreeing was the quenched spread, not a converged N; lambda_max still grows between
N = 1000 and 2000. Both sides move toward each other (theory down with W, networks up with N,
and at N = 1000 with a stationary start) and are consistent with a common value near 0.09-0.10,
but neither is converged:
at alpha_z = 10 the row compares N = 2000 with the W = 1280 theory, a statement about these
settings, not about N -> infinity. The check therefore uses N = 1000 and 2000 and a network
transient of 300 at alpha_z = 10, and a fixed DMFT lag window W = 1280 plus a second solve at
W / 2 whose change enters the tolerance (AZ10_* below). Session 5 found why a fixed window: with
the window test's noise allowance capped (theory/dmft_sampling.py), g_h = 4, alpha_z = 10 does not
pass it at W = 1280 (C_h / C_h(0) = 0.06 over the last fifth of the window; tau_relax 474 at
W = 1280 against 296 at W = 640, lambda_max 0.0204 against 0.0265, theory/validation/dmft_grid.py):
the correlation time follows the window, so no affordable window is "decayed", and the honest
statement is the theory at W with its measured change from W / 2.

Full scale, session 5 (6 seeds, 2026-12-01, ~68 min on the loaded machine; growth rate of
|lambda_h| at the smaller / larger N against the tangent DMFT):
g_h = 4: alpha_z = 0 0.0443(32) / 0.0440(31) vs 0.0562; alpha_z = 2 0.0386(19) / 0.0391(58) vs
0.0476(15); alpha_z = 10 (N = 1000 / 2000) 0.0199(10) / 0.0196(32) vs 0.0190(6) (W / 2: 0.0295).
g_h = 6: alpha_z = 0 0.1043(34) / 0.1086(39) vs 0.1177; alpha_z = 2 0.0959(27) / 0.0941(31) vs
0.1068(21); alpha_z = 10 0.0618(85) / 0.0776(41) vs 0.0952(27) (W / 2: 0.1039). All 12 rows
passed (rho at every lag too) under the rule of that run; a rate row now also needs its
tolerance below the theory's rate, which g_h = 4, alpha_z = 10 misses (tolerance 0.0241 against
0.0190: the seed term 0.013 and the window term 0.0106), so with the current code that row fails
as unresolved. Two limits of what the rows show. (1) At alpha_z <= 2 the N = 1000
networks sit 0.009-0.013 below the theory at all four points (2.7-4 seed SE, always low): the
finite-N deficit of lambda_max itself (QR at g_h = 4, alpha_z = 0: 0.0482 at N = 1000 against
0.0597 extrapolated, theory/validation/dmft_grid.py), which the N = 500 -> 1000 change does not
resolve at 6 seeds; the rows pass through their t x SE term. (2) g_h = 4, alpha_z = 10 ages: the
networks' lambda_max falls with the time since the start (QR, N = 1000: 0.023 after a transient
of 300, 0.007 after 1500, from h ~ N(0, 1)), as the DMFT's falls with its window, so the close
agreement there (0.0196 vs 0.0190) is between a network age of 300-470 and W = 1280, and the row
(tolerance 0.024) is not a stationary statement.
"""

from __future__ import annotations

import math
import sys

import numpy as np

from ..adjoint_mft import adjoint_growth_rate, adjoint_mft, measure_adjoint, quiescent_rate
from ..adjoint_sampling import adjoint_correlation_sampling
from ..params import ModelParams
from . import CheckResult, check
from .dmft import _extrapolate

LAGS = (0.25, 0.5, 1.0, 1.5, 2.0, 3.0)


def t99(se_a, dof_a, se_b=0.0, dof_b=np.inf):
    """Two-sided 99% Student-t multiple for the combined error sqrt(se_a^2 + se_b^2).

    Notes
    -----
    Welch-Satterthwaite degrees of freedom (se_a^2 + se_b^2)^2 / (se_a^4 / dof_a + se_b^4 / dof_b)
    (dof_b = inf for an exact theory with se_b = 0); elementwise over arrays.
    """
    from scipy.stats import t

    va, vb = np.asarray(se_a, float) ** 2, np.asarray(se_b, float) ** 2
    dof = (va + vb) ** 2 / (va ** 2 / dof_a + vb ** 2 / dof_b)
    return t.ppf(0.995, dof)


def t_factor(n_seeds: int) -> float:
    """Two-sided 99% Student-t quantile for n_seeds - 1 degrees of freedom: the multiple of a seed
    standard error used as tolerance (3 x stderr would reject ~10% of true statements at 3 seeds)."""
    return float(t99(1.0, max(n_seeds - 1, 1)))


def _se(x) -> float:
    x = np.asarray(x, float)
    return float(x.std(ddof=1) / math.sqrt(x.size)) if x.size > 1 else float("nan")


def chaotic_data(params: ModelParams, ns, seeds, *, t_window: float, dt: float = 0.05,
                 lags=LAGS) -> dict:
    """Adjoint growth rates and rho(tau) at several N and seeds, with the theory."""
    theory = adjoint_mft(params)
    per_n = []
    for n in ns:
        ms = [measure_adjoint(params, n, s, t_window=t_window, dt=dt, lags=lags, tangent=False,
                              t_transient=50.0 * dt / 0.05, t_align=10.0 * dt / 0.05) for s in seeds]
        rates = np.array([m.growth_rate for m in ms])
        rho = np.array([m.rho for m in ms])
        per_n.append({"n": int(n), "rates": rates, "rate_mean": float(rates.mean()), "rate_se": _se(rates),
                      "rho": rho, "rho_mean": rho.mean(axis=0),
                      "rho_se": rho.std(axis=0, ddof=1) / math.sqrt(len(seeds)),
                      "example": (ms[0].t, ms[0].log_norm)})
    ms_ = [p["rate_mean"] for p in per_n]
    ss_ = [p["rate_se"] for p in per_n]
    ext = {"inv_n": _extrapolate(ns, ms_, ss_, 1.0), "inv_sqrt_n": _extrapolate(ns, ms_, ss_, 0.5)} \
        if len(ns) >= 2 else {}
    return {"params": params, "theory": theory, "per_n": per_n, "extrapolation": ext,
            "lags": ms[0].lags, "seeds": list(seeds), "t_window": t_window}


def rate_verdict(d: dict) -> dict:
    """Extrapolated adjoint growth rate vs the DMFT lambda_max (tolerance as theory/validation/dmft.py:
    3 x the larger extrapolation stderr + half the difference of the a/N and a/sqrt(N) laws)."""
    (l1, s1, _), (l2, s2, _) = d["extrapolation"]["inv_n"], d["extrapolation"]["inv_sqrt_n"]
    central = 0.5 * (l1 + l2)
    tol = 3 * max(s1, s2) + 0.5 * abs(l1 - l2)
    return {"theory": d["theory"].growth_rate, "inf": central, "tol": tol, "inv_n": l1, "inv_sqrt_n": l2,
            "passed": abs(central - d["theory"].growth_rate) < tol}


def correlation_verdict(d: dict) -> dict:
    """rho(tau) at the largest N vs psi_0; tolerance per lag t_99 x seed stderr + |rho(N) - rho(N_prev)|."""
    big = d["per_n"][-1]
    drift = np.abs(big["rho_mean"] - d["per_n"][-2]["rho_mean"]) if len(d["per_n"]) > 1 else 0.0
    tol = t_factor(len(d["seeds"])) * big["rho_se"] + drift
    th = d["theory"].rho_at(d["lags"])
    dev = np.abs(big["rho_mean"] - th)
    return {"theory": th, "sim": big["rho_mean"], "tol": tol, "dev": dev, "passed": bool(np.all(dev < tol)),
            "worst": int(np.argmax(dev / tol))}


def identity_data(g_h: float, alpha_zs, n: int, seeds, *, t_window: float, dt: float = 0.1) -> list[dict]:
    """Adjoint vs tangent growth rates on the same windows, over alpha_z (gated model)."""
    out = []
    for az in alpha_zs:
        params = ModelParams.gated(g_h, alpha_z=az)
        ms = [measure_adjoint(params, n, s, t_window=t_window, dt=dt, t_transient=100.0, t_align=20.0)
              for s in seeds]
        adj = np.array([m.growth_rate for m in ms])
        tan = np.array([m.tangent_rate for m in ms])
        rho = np.array([m.rho for m in ms])
        out.append({"alpha_z": az, "adjoint": adj, "tangent": tan, "diff_mean": float(np.mean(adj - tan)),
                    "diff_se": _se(adj - tan), "rho": rho, "lags": ms[0].lags})
    return out


def quiescent_data(params: ModelParams, ns, seeds, *, t_window: float, dt: float = 0.1) -> dict:
    per_n = []
    for n in ns:
        r = np.array([measure_adjoint(params, n, s, t_window=t_window, dt=dt, t_transient=20.0, t_align=10.0,
                                      tangent=False).growth_rate for s in seeds])
        per_n.append({"n": int(n), "rates": r, "mean": float(r.mean()), "se": _se(r)})
    return {"theory": quiescent_rate(params), "per_n": per_n}


def fluctuating_data(params: ModelParams, ns, seeds, *, t_window: float, dt: float = 0.1, dmft_kwargs=None,
                     tangent_kwargs=None, lags=LAGS, t_transient: float = 100.0,
                     window_check: bool = False) -> dict:
    """Adjoint growth rates and rho(tau) of networks (sizes ``ns``, several seeds, ``t_transient``
    before the 20 of alignment) and of the mean-field theory
    (:func:`theory.adjoint_mft.adjoint_growth_rate`; rho from
    :func:`theory.adjoint_sampling.adjoint_correlation_sampling`, psi_0 for constant gates).
    ``window_check`` (sampled theory only): also solve at half the DMFT's lag window
    (``theory_half_window``), to measure the window dependence of the growth rate."""
    theory = adjoint_growth_rate(params, dmft_kwargs=dmft_kwargs, tangent_kwargs=tangent_kwargs)
    half = None
    if window_check and theory.solution is not None:
        w = theory.solution.settings["window"] / 2
        half = adjoint_growth_rate(params, dmft_kwargs={**(dmft_kwargs or {}), "window": w, "max_window": w},
                                   tangent_kwargs=tangent_kwargs)
    lags = np.array([round(lag / dt) for lag in lags]) * dt     # the lags measure_adjoint measures
    if theory.solution is None:
        th_rho, th_rho_se = adjoint_mft(params).rho_at(lags), np.zeros(len(lags))
    else:
        corr = adjoint_correlation_sampling(theory.solution, theory.growth_rate, seed=2)
        th_rho, th_rho_se = corr.rho_at(lags), np.interp(lags, corr.tau, corr.rho_stderr)
    per_n = []
    for n in ns:
        ms = [measure_adjoint(params, n, s, t_window=t_window, dt=dt, t_transient=t_transient, t_align=20.0,
                              tangent=False, lags=lags) for s in seeds]
        rates = np.array([m.growth_rate for m in ms])
        rho = np.array([m.rho for m in ms])
        per_n.append({"n": int(n), "rates": rates, "mean": float(rates.mean()), "se": _se(rates),
                      "rho": rho, "rho_mean": rho.mean(axis=0), "rho_se": rho.std(axis=0, ddof=1) / math.sqrt(len(seeds)),
                      "lags": ms[0].lags})
    return {"params": params, "theory": theory, "per_n": per_n, "lags": np.asarray(lags, float),
            "rho_theory": np.asarray(th_rho), "rho_theory_se": np.asarray(th_rho_se),
            "theory_half_window": half}


def fluctuating_verdict(d: dict) -> dict:
    """Rate at the largest N vs theory; tolerance t_99 x sqrt(seed se^2 + theory se^2) + the change
    of the mean rate between the two largest N (measured finite-size drift) + the change of the
    theory between its lag window W and W / 2 (measured window dependence, if solved). The rate
    row fails unless the tolerance is below |rate| (else it cannot tell the rate from 0)."""
    big = d["per_n"][-1]
    drift = abs(big["mean"] - d["per_n"][-2]["mean"]) if len(d["per_n"]) > 1 else 0.0
    th = d["theory"]
    half = d.get("theory_half_window")
    window = abs(th.growth_rate - half.growth_rate) if half is not None else 0.0
    tol = t_factor(len(big["rates"])) * math.hypot(big["se"], th.stderr) + drift + window
    rho_drift = np.abs(big["rho_mean"] - d["per_n"][-2]["rho_mean"]) if len(d["per_n"]) > 1 else 0.0
    rho_tol = t_factor(len(big["rates"])) * np.hypot(big["rho_se"], d["rho_theory_se"]) + rho_drift
    rho_dev = np.abs(big["rho_mean"] - d["rho_theory"])
    return {"theory": th.growth_rate, "sim": big["mean"], "tol": tol, "drift": drift, "window": window,
            "resolved": tol < abs(th.growth_rate),
            "passed": tol < abs(th.growth_rate) and abs(big["mean"] - th.growth_rate) < tol,
            "rho_tol": rho_tol, "rho_dev": rho_dev,
            "rho_passed": bool(np.all(rho_dev < rho_tol)), "rho_worst": int(np.argmax(rho_dev / rho_tol))}


FLUCTUATING_POINTS = tuple((g, az) for g in (4.0, 6.0) for az in (0.0, 2.0, 10.0))
#: alpha_z = 10 settings (module docstring, "alpha_z = 10"): a fixed DMFT lag window W (the
#: automatic window stopped at 320 at g_h = 6 with C_h(320) / C_h(0) = 0.067; lambda_max 0.112,
#: 0.100, 0.096 at W = 320, 640, 1280; at g_h = 4, W = 1280 leaves C_h / C_h(0) = 0.06 over the
#: last fifth of the window: the correlation time grows with W at every affordable W, so the tail
#: test is off, tail_tol = 1, and the change of the theory from W / 2 to W enters the tolerance),
#: cheaper sampling for the long window and a 256-path tangent DMFT; network sizes: lambda_max
#: still grows between N = 1000 and 2000 there. At alpha_z = 2 the solver defaults (8 chains x
#: 128 paths, dt 0.1) and 1024 tangent paths: 6 x 64 paths, dt 0.2 and 256 tangent paths gave
#: lambda_max 0.0447 +- 0.0064 at g_h = 4, an error larger than the networks' seed error.
AZ10_WINDOW = 1280.0
AZ10_DMFT = dict(n_paths=64, n_chains=6, dt=0.2, window=AZ10_WINDOW, max_window=AZ10_WINDOW, tail_tol=1.0)
AZ10_NS = (1000, 2000)
#: network transient at alpha_z = 10: from h ~ N(0, 1) the population <h^2> relaxes over ~1000
#: time units (0.23 at t = 55, 0.19 at 300, 0.16 at 1000; DMFT 0.163), 100 is inside it.
AZ10_TRANSIENT = 300.0


@check("adjoint_growth_fluctuating_gates")
def check_adjoint_fluctuating(ctx) -> list[CheckResult]:
    """Full scale only: the sampling DMFT solves (alpha_z = 10: lag windows of hundreds) and
    N >= 500 networks do not fit the quick budget; the quick report has no row from this check."""
    if ctx.scale == "quick":
        return []
    seeds, t_window = list(range(6)), 150.0
    rows, data = [], []
    for g_h, az in FLUCTUATING_POINTS:
        ns = AZ10_NS if az >= 10 else (500, 1000)
        d = fluctuating_data(ModelParams.gated(g_h, alpha_z=az), ns, seeds, t_window=t_window,
                             dmft_kwargs=dict(seed=ctx.seed, **(AZ10_DMFT if az >= 10 else {})),
                             tangent_kwargs=dict(seed=ctx.seed + 1, n_paths=256 if az >= 10 else 1024),
                             t_transient=AZ10_TRANSIENT if az >= 10 else 100.0, window_check=az >= 10)
        data.append(d)
        v = fluctuating_verdict(d)
        th = d["theory"]
        print(f"[adjoint_growth_fluctuating_gates] g_h={g_h:g} alpha_z={az:g}: theory {th.growth_rate:.4f} +- "
              f"{th.stderr:.4f}; networks " + "; ".join(f"N={p['n']}: {p['mean']:.4f} +- {p['se']:.4f}"
                                                          for p in d["per_n"])
              + f"; window change {v['window']:.4f}; tol {v['tol']:.4f}; rho theory "
              f"{np.round(d['rho_theory'], 4)} networks "
              f"{np.round(d['per_n'][-1]['rho_mean'], 4)} tol {np.round(v['rho_tol'], 4)}", file=sys.stderr, flush=True)
        rows.append(CheckResult(
            f"adjoint backward growth rate of |lambda_h| = tangent-DMFT lambda_max (gated g_h={g_h:g}, "
            f"alpha_z={az:g}, N={ns[-1]})", th.growth_rate, v["sim"], f"+-{v['tol']:.3g}", v["passed"],
            "Per N: " + "; ".join(f"N={p['n']}: {p['mean']:.4f} +- {p['se']:.4f} (seeds "
                                  f"{np.array2string(p['rates'], precision=4)})" for p in d["per_n"])
            + f". Theory: {th.method}, {th.growth_rate:.4f} +- {th.stderr:.4f}"
            + (f" (DMFT delta_h {th.solution.delta_h:.4f}, tau_relax {th.solution.tau_relax:.3g})"
               if th.solution is not None else "")
            + f". Terminal loss, adjoint fitted over {t_window:g} time units after 20 of alignment (dt = 0.1; "
              f"transient {AZ10_TRANSIENT if az >= 10 else 100.0:g}). "
              f"Tolerance {t_factor(len(seeds)):.2f} x sqrt(seed stderr^2 + DMFT stderr^2) (99% Student-t) + "
              f"the change between N = {ns[0]} and {ns[-1]} (measured finite-size drift, {v['drift']:.4f})"
            + ("" if d["theory_half_window"] is None else
               f" + the change of the theory between the fixed lag windows W = {th.solution.settings['window']:g} "
               f"and W / 2 ({d['theory_half_window'].growth_rate:.4f}: measured window dependence, "
               f"{v['window']:.4f})") + ". "
            + f"rho(tau) of lambda_h at N = {ns[-1]} (lags " + ", ".join(f"{t:g}" for t in d["per_n"][-1]["lags"])
            + "): " + np.array2string(d["per_n"][-1]["rho"].mean(axis=0), precision=4)
            + ("" if v["resolved"] else ". The row fails: its tolerance exceeds the theory's rate, so the "
               "networks do not resolve it")
            + ("." if az < 10 else ". At alpha_z = 10 the row compares the theory at a fixed lag window with "
               "networks at a fixed age (transient): at g_h = 4 both fall with window and age, an ageing "
               "state, so this is not a stationary statement (module docstring).")))
        w = v["rho_worst"]
        rows.append(CheckResult(
            f"normalised two-time correlation of lambda_h = sampled adjoint DMFT (gated g_h={g_h:g}, alpha_z={az:g}, "
            f"N={ns[-1]}, worst lag tau={d['lags'][w]:g})", float(d["rho_theory"][w]),
            float(d["per_n"][-1]["rho_mean"][w]), f"+-{v['rho_tol'][w]:.3g}", v["rho_passed"],
            "All lags " + ", ".join(f"tau={t:g}: theory {a:.4f} +- {ae:.4f}, sim {b:.4f} +- {be:.4f} (tol {e:.3g})"
                                    for t, a, ae, b, be, e in zip(d["lags"], d["rho_theory"], d["rho_theory_se"],
                                                                  d["per_n"][-1]["rho_mean"], d["per_n"][-1]["rho_se"],
                                                                  v["rho_tol"]))
            + f". Theory: {'psi_0(s_z tau)/psi_0(0) (constant gates)' if th.solution is None else 'sampled single-site adjoint at the tangent-DMFT growth rate (theory/adjoint_sampling.py)'}; "
              "gradient-independence assumption. Tolerance per lag: t_99 x sqrt(seed stderr^2 + theory stderr^2) "
              f"+ |rho(N={ns[-1]}) - rho(N={ns[0]})| (measured finite-size drift)."))
    fig = ctx.figure_path("adjoint_growth_fluctuating.png")
    _plot_fluctuating(data, fig)
    rows[0].figure = fig.name
    return rows


def _plot_fluctuating(data, path) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 4))
    for i, g_h in enumerate(sorted({d["params"].g_h for d in data})):
        ds = [d for d in data if d["params"].g_h == g_h]
        az = np.array([d["params"].alpha_z for d in ds])
        ax.errorbar(az, [d["theory"].growth_rate for d in ds], yerr=[3 * d["theory"].stderr for d in ds],
                    fmt="s-", color=f"C{i}", label=f"tangent DMFT, g_h={g_h:g}")
        ax.errorbar(az + 0.15, [d["per_n"][-1]["mean"] for d in ds], yerr=[d["per_n"][-1]["se"] for d in ds],
                    fmt="o", color=f"C{i}", mfc="none", label=f"networks, largest N ({'/'.join(str(d['per_n'][-1]['n']) for d in ds)}), g_h={g_h:g}")
    ax.set_xlabel("alpha_z")
    ax.set_ylabel("backward growth rate of |lambda_h|")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---- registered checks --------------------------------------------------------------------------

@check("adjoint_growth_and_correlation")
def check_adjoint_chaotic(ctx) -> list[CheckResult]:
    ns = ctx.size((200, 400), (500, 1000))
    seeds = list(range(ctx.size(6, 6)))
    t_window = ctx.size(100.0, 150.0)
    points = ctx.size((("additive g=2", ModelParams.additive(2.0), 0.05),),
                      (("additive g=2", ModelParams.additive(2.0), 0.05),
                       ("gated g_h=6, alpha=0", ModelParams.gated(6.0), 0.1)))
    rows, data = [], []
    for label, params, dt in points:
        d = chaotic_data(params, ns, seeds, t_window=t_window, dt=dt)
        data.append((label, d))
        v = rate_verdict(d)
        table = "; ".join(f"N={p['n']}: {p['rate_mean']:.4f} +- {p['rate_se']:.4f}" for p in d["per_n"])
        if ctx.scale == "full":  # quick sizes cannot resolve the finite-size bias (module docstring)
            rows.append(CheckResult(
                f"adjoint backward growth rate of |lambda_h| (N->inf) = DMFT lambda_max ({label})",
                v["theory"], v["inf"], f"+-{v['tol']:.3g}", v["passed"],
                f"Terminal loss, homogeneous adjoint fitted over {t_window:g} time units after 10 of alignment, "
                f"{len(seeds)} seeds per N: {table}. Extrapolations a/N: {v['inv_n']:.4f}, a/sqrt(N): "
                f"{v['inv_sqrt_n']:.4f}; tolerance 3 x the larger extrapolation stderr (seed spreads) + half "
                f"their difference (finite-size model error)."))
        c = correlation_verdict(d)
        w = c["worst"]
        rows.append(CheckResult(
            f"normalised two-time correlation of lambda_h = psi_0(s_z tau)/psi_0(0) ({label}, "
            f"N={d['per_n'][-1]['n']}, worst lag tau={d['lags'][w]:g})",
            float(c["theory"][w]), float(c["sim"][w]), f"+-{c['tol'][w]:.3g}", c["passed"],
            "All lags " + ", ".join(f"tau={t:g}: theory {a:.4f} sim {b:.4f} (tol {e:.3g})"
                                    for t, a, b, e in zip(d["lags"], c["theory"], c["sim"], c["tol"]))
            + f". Tolerance per lag: {t_factor(len(seeds)):.2f} x seed stderr at the largest N (99% Student-t, "
              f"{len(seeds)} seeds) + |rho(N) - rho(N/2)| (measured finite-size drift). Theory: "
              "gradient-independence (J^T independent of J) adjoint DMFT."))
    ident = identity_data(4.0, (0.0, 2.0, 8.0), ctx.size(100, 1000), list(range(ctx.size(5, 5))),
                          t_window=ctx.size(100.0, 150.0))
    for e in ident:
        tol = t_factor(len(e["adjoint"])) * e["diff_se"]
        rows.append(CheckResult(
            f"adjoint growth rate = tangent growth rate, same window (gated g_h=4, alpha_z={e['alpha_z']:g})",
            float(np.mean(e["tangent"])), float(np.mean(e["adjoint"])), f"+-{tol:.3g}",
            abs(e["diff_mean"]) < tol,
            f"Per seed adjoint {np.array2string(e['adjoint'], precision=4)}, tangent "
            f"{np.array2string(e['tangent'], precision=4)}; the adjoint propagator is the transpose of the "
            f"tangent one (same singular values), so the rates agree up to O(1/T) boundary terms (larger at large "
            f"alpha_z, where exponents crowd near 0 and the vectors align slowly); tolerance "
            f"{t_factor(len(e['adjoint'])):.2f} x seed stderr of the paired difference (99% Student-t)."))
    r3 = [(e["alpha_z"], e["rho"][:, -1]) for e in ident]
    lo, hi = r3[0], r3[-1]
    margin = 3 * math.hypot(_se(lo[1]), _se(hi[1]))
    rows.append(CheckResult(
        f"update gate slows the decorrelation of gradients: rho(tau=3) at alpha_z={hi[0]:g} > alpha_z={lo[0]:g}",
        "increase", float(hi[1].mean() - lo[1].mean()), f"> {margin:.3g} (3 combined seed stderrs)",
        bool(hi[1].mean() - lo[1].mean() > margin),
        "rho(3) per alpha_z: " + "; ".join(f"{a:g}: {r.mean():.4f} +- {_se(r):.4f}" for a, r in r3)
        + ". Mechanism: units with small sigma_z have lambda_h nearly constant (-dlambda_h/dt ~ sigma_z). "
          "Direction only here; the quantitative alpha_z > 0 theory of rho (sampled adjoint DMFT, "
          "theory/adjoint_sampling.py) is compared with networks in the full-scale check "
          "adjoint_growth_fluctuating_gates (sampling DMFT solves take minutes)."))
    q_params = ModelParams.gated(1.5)
    q = quiescent_data(q_params, ctx.size((200, 400), (500, 1000)), list(range(ctx.size(5, 5))),
                       t_window=ctx.size(40.0, 60.0))
    big = q["per_n"][-1]
    drift = abs(big["mean"] - q["per_n"][0]["mean"])
    tol = t_factor(len(big["rates"])) * big["se"] + drift
    rows.append(CheckResult(
        "vanishing gradients: decay rate at the stable quiescent state = s_z(g_h s_r - 1) (gated g_h=1.5)",
        q["theory"], big["mean"], f"+-{tol:.3g}", abs(big["mean"] - q["theory"]) < tol,
        "Per N: " + "; ".join(f"N={p['n']}: {p['mean']:.4f} +- {p['se']:.4f}" for p in q["per_n"])
        + ". The rate is the right edge of the fixed-point spectrum s_z(-1 + g_h s_r w), |w| <= 1; tolerance "
          "99% Student-t x seed stderr + the change between the two N (finite-size: the Ginibre edge at finite N)."))
    fig = ctx.figure_path("adjoint_correlation.png")
    _plot(data, ident, fig)
    rows[0].figure = fig.name
    return rows


def _plot(data, ident, path) -> None:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for i, (label, d) in enumerate(data):
        tau = np.linspace(0, d["lags"].max(), 200)
        axes[0].plot(tau, d["theory"].rho_at(tau), color=f"C{i}", label=f"theory {label}")
        for p in d["per_n"]:
            axes[0].errorbar(d["lags"], p["rho_mean"], yerr=p["rho_se"], fmt="o", ms=3, color=f"C{i}",
                             alpha=0.5 + 0.5 * (p is d["per_n"][-1]))
        t, ln = d["per_n"][-1]["example"]
        axes[1].plot(t[-1] - t, ln - ln[-1], color=f"C{i}", label=f"N={d['per_n'][-1]['n']} {label}")
        axes[1].plot(t[-1] - t, d["theory"].growth_rate * (t[-1] - t), "--", color=f"C{i}")
    axes[0].set_xlabel("lag tau")
    axes[0].set_ylabel("rho(tau) of lambda_h")
    axes[0].legend(fontsize=7)
    axes[1].set_xlabel("backward time T - t (after alignment)")
    axes[1].set_ylabel("log |lambda_h| (dashed: DMFT lambda_max)")
    axes[1].legend(fontsize=7)
    for e in ident:
        axes[2].errorbar(e["lags"], e["rho"].mean(axis=0), yerr=e["rho"].std(axis=0), fmt="o-", ms=3,
                         label=f"alpha_z={e['alpha_z']:g}")
    axes[2].set_xlabel("lag tau")
    axes[2].set_ylabel("rho(tau), gated g_h=4")
    axes[2].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
