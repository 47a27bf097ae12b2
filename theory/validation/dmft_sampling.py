"""Sampling DMFT checks (issue 5): reduction to the constant-gate solver, and C_h(tau) of the
sampling DMFT vs finite networks for fluctuating gates (alpha_z > 0, alpha_r > 0).

The network autocorrelation is the time average of h_i(t) h_i(t + tau) over all units and
seeds; its error is the seed standard error. The finite-size error is measured as the difference
between the two network sizes. The computations live in ``*_data`` functions (also used by
notebook 06); the registered checks turn them into rows.

Measured at g_h = 4, alpha_z = 2 (T = 300, 2 seeds, lags 0, 2, 5, 10, 20, 40): N = 2000 gives
C_h = 0.1168(4), 0.1151(6), 0.1074(13), 0.0888(26), 0.0553(42), 0.0177(71), close to the DMFT
(0.1225(10), 0.1208(10), 0.1128(11), 0.0935(13), 0.0593(18), 0.0216(27) in one solve) except
C_h(0), 4% (about 3 combined stderr) below it; at N = 1000 one of two seeds sat in a much slower
state (C_h(40) / C_h(0) = 0.78), so the seed spread at N <= 1000 is large and the quick-scale
tolerance is dominated by the measured finite-size term.

Follow-up (``theory.validation.dmft_grid``, full scale): the 4% at lag 0 is not a theory error.
(a) C_h(0) from the first 200 recorded units is a sample of heterogeneous units: at N = 2000,
seeds 0 and 1 gave 0.1176 and 0.1131 from the recorded units but 0.1216 and 0.1206 for the
population <h^2>; (b) the DMFT value 0.1225(10) was a high draw: five solves at dt = 0.05, 0.1,
0.2 (and two other settings) gave 0.1194-0.1213, each +- 0.0008-0.0018, with no dt dependence.
Population <h^2> at N = 2000 and the DMFT agree within about 1.5 combined SE. Separately, one
coupling realisation at N = 1000 (seed 0) sits in a slow state with a large static component
(C_h(40) / C_h(0) = 0.88 at alpha_z = 2, and 0.50 at alpha_z = 0: the same Jh, so it is a
finite-N property of the couplings, not of the gate).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from ..dmft import solve_dmft
from ..dmft_sampling import lag_correlation, solve_dmft_sampling
from ..dmft_tangent_sampling import lambda_max_sampling
from ..network import GatedNetwork
from ..params import ModelParams
from ..simulation import simulate
from . import CheckResult, check
from .dmft import network_point


def network_correlation(params: ModelParams, n: int, seed: int, *, t_run: float, dt: float = 0.1,
                        t_transient: float = 100.0, n_units: int | None = None, record_every: int = 5,
                        max_lag: float = 60.0, h0_scale: float = 1.0) -> dict:
    """C_h(tau) and <h^2> of one seeded network, after a transient.

    From h ~ N(0, h0_scale^2), z = r = 0 (the network's own state seed), a transient
    ``t_transient``, then ``t_run`` recorded every ``record_every`` steps. C_h is the mean over
    the first ``n_units`` units (default all N) of the time average of h_i(t) h_i(t + tau)
    (unbiased 1 / (L - k) normalisation); a subset of units adds their unit-to-unit spread to the
    seed error (s.d. 0.05 of <h_i^2> = 0.15 at g_h = 4, alpha_r = 2, N = 1000). ``mean_h2_halves``:
    the population <h^2> over the two halves of the window (a drift flags a transient).
    """
    net = GatedNetwork(params, n, seed=seed)
    traj = simulate(net, t_run, dt, y0=net.initial_state(h0_scale), t_transient=t_transient,
                    record_every=record_every, record_units=n if n_units is None else min(n_units, n),
                    progress=False)
    h = traj.units[:, 0, :]
    dt_rec = dt * record_every
    n_lag = int(round(max_lag / dt_rec))
    c = lag_correlation(h, n_lag).mean(axis=1)
    half = traj.mean_h2.size // 2
    return {"tau": np.arange(n_lag + 1) * dt_rec, "c_h": c, "mean_h2": float(traj.mean_h2_avg),
            "n_units": int(h.shape[1]),
            "mean_h2_halves": [float(traj.mean_h2[:half].mean()), float(traj.mean_h2[half:].mean())]}


def correlation_comparison_data(params: ModelParams, ns, seeds, *, t_run: float, lags, dmft_kwargs=None,
                                dt: float = 0.1) -> dict:
    """Sampling DMFT C_h vs networks at sizes ``ns`` (several seeds each) at the given lags."""
    lags = np.asarray(lags, float)
    theory = solve_dmft_sampling(params, **(dmft_kwargs or {}))
    th = np.interp(lags, theory.tau, theory.c_h)
    th_se = np.interp(lags, theory.tau, theory.c_h_stderr)
    per_n = []
    for n in ns:
        runs = [network_correlation(params, n, s, t_run=t_run, dt=dt, max_lag=float(lags.max()) + 1)
                for s in seeds]
        cs = np.array([np.interp(lags, r["tau"], r["c_h"]) for r in runs])
        per_n.append({"n": int(n), "c_h": cs.mean(0), "se": cs.std(0, ddof=1) / math.sqrt(len(seeds)),
                      "per_seed": cs})
    return {"params": params, "theory": theory, "lags": lags, "c_theory": th, "se_theory": th_se,
            "per_n": per_n, "seeds": list(seeds), "t_run": t_run}


def correlation_verdict(d: dict, n_sigma: float = 3.0) -> dict:
    """Largest N vs DMFT, lag by lag. Tolerance: n_sigma x sqrt(se_net^2 + se_dmft^2) plus the
    measured finite-size change |C_N(largest) - C_N(next)| (0 with one size)."""
    big = d["per_n"][-1]
    fs = np.abs(big["c_h"] - d["per_n"][-2]["c_h"]) if len(d["per_n"]) > 1 else np.zeros_like(big["c_h"])
    stat = np.sqrt(big["se"] ** 2 + d["se_theory"] ** 2)
    tol = n_sigma * stat + fs
    dev = np.abs(big["c_h"] - d["c_theory"])
    return {"tol": tol, "dev": dev, "finite_size": fs, "stat": stat, "passed": bool(np.all(dev <= tol)),
            "worst": int(np.argmax(dev / tol))}


def constant_gate_data(params: ModelParams, **kwargs) -> dict:
    """Sampling vs deterministic DMFT at constant gates."""
    s = solve_dmft_sampling(params, **kwargs)
    d = solve_dmft(params)
    return {"sampling": s, "deterministic": d,
            "t_quantile": float(stats.t.ppf(0.995, s.settings["n_chains"] - 1))}


@check("dmft_sampling_constant_gate")
def check_constant_gate(ctx) -> list[CheckResult]:
    p = ModelParams.additive(2.0)
    d = constant_gate_data(p, seed=ctx.seed, window=30.0, n_paths=ctx.size(128, 256))
    s, det, q = d["sampling"], d["deterministic"], d["t_quantile"]
    n_ch = s.settings["n_chains"]
    text = (f"Sampling DMFT ({n_ch} independent chains of {s.settings['n_paths']} paths, dt = "
            f"{s.settings['dt']}, window {s.settings['window']:g}) against the deterministic "
            f"constant-gate solver at additive g = 2. Tolerance: the 99% Student-t quantile for "
            f"{n_ch - 1} degrees of freedom ({q:.2f}) x the chain standard error.")
    tan = lambda_max_sampling(s, n_paths=ctx.size(256, 1024), seed=ctx.seed)
    q_t = float(stats.t.ppf(0.995, 7))
    return [
        CheckResult("sampling DMFT delta_h = deterministic DMFT (additive g=2)", det.delta_h, s.delta_h,
                    f"+-{q * s.delta_h_stderr:.3g}", abs(s.delta_h - det.delta_h) <= q * s.delta_h_stderr, text),
        CheckResult("sampling DMFT tau_relax = deterministic DMFT (additive g=2)", det.tau_relax, s.tau_relax,
                    f"+-{q * s.tau_relax_stderr:.3g}",
                    abs(s.tau_relax - det.tau_relax) <= q * s.tau_relax_stderr,
                    text + " tau_relax = int_0^W C_h / C_h(0)."),
        CheckResult("sampled tangent DMFT lambda_max = Schroedinger ground state (additive g=2)",
                    det.lambda_max, tan.lambda_max, f"+-{q_t * tan.lambda_max_stderr:.3g}",
                    abs(tan.lambda_max - det.lambda_max) <= q_t * tan.lambda_max_stderr,
                    f"lambda_max_sampling on the sampled solution above (8 batches of paths; roots of "
                    f"the log mu(lambda) fits per round {np.round(tan.history, 5).tolist()}). Tolerance: "
                    f"99% Student-t quantile (7 dof, {q_t:.2f}) x the delta-method error of the root "
                    f"(over 4 seeds at gated g_h = 4, beta_z = -1 this error was about 1.5x smaller than "
                    f"the seed spread); the input C_phi's own error is not propagated."),
    ]


def lambda_network_data(params: ModelParams, ns, seeds, *, t_run: float, dmft_kwargs=None) -> dict:
    """Sampled tangent-DMFT lambda_max vs network QR lambda_max at sizes ``ns``."""
    sol = solve_dmft_sampling(params, **(dmft_kwargs or {}))
    tan = lambda_max_sampling(sol, seed=1)
    per_n = []
    for n in ns:
        lam = np.array([network_point(params, n, s, t_run=t_run, time_scale=2.0)["lambda_max"] for s in seeds])
        per_n.append({"n": int(n), "mean": float(lam.mean()),
                      "se": float(lam.std(ddof=1) / math.sqrt(len(seeds))), "values": lam})
    return {"params": params, "solution": sol, "tangent": tan, "per_n": per_n}


@check("dmft_tangent_vs_networks")
def check_tangent_vs_networks(ctx) -> list[CheckResult]:
    """Full scale only: at quick-scale sizes (N of a few hundred) the finite-N bias of the QR
    exponent is larger than the effect measured; the quick report has no row from this check."""
    if ctx.scale == "quick":
        return []
    p = ModelParams.gated(4.0, alpha_z=2.0)
    ns = ctx.size((200, 400), (1000, 2000))
    d = lambda_network_data(p, ns, list(range(ctx.size(3, 4))), t_run=ctx.size(100.0, 300.0),
                            dmft_kwargs=ctx.size(dict(n_paths=64, n_chains=6, dt=0.2, seed=ctx.seed),
                                                 dict(seed=ctx.seed)))
    tan = d["tangent"]
    big, small = d["per_n"][-1], d["per_n"][0]
    # finite-size bias measured between the two sizes, extrapolated as a / N to N -> infinity
    slope = (big["mean"] - small["mean"]) / (1 / big["n"] - 1 / small["n"])
    lam_inf = big["mean"] - slope / big["n"]
    se_inf = math.hypot(big["se"], (big["se"] + small["se"]) * (1 / big["n"]) / (1 / small["n"] - 1 / big["n"]))
    tol = 3 * math.hypot(se_inf, tan.lambda_max_stderr) + abs(lam_inf - big["mean"])
    return [CheckResult(
        "sampled tangent DMFT lambda_max = networks (g_h=4, alpha_z=2)", tan.lambda_max, lam_inf,
        f"+-{tol:.3g}", abs(tan.lambda_max - lam_inf) <= tol,
        "Network QR lambda_max (k = 1): " + "; ".join(
            f"N={x['n']}: {x['mean']:.4f} +- {x['se']:.4f}" for x in d["per_n"])
        + f"; a/N extrapolation {lam_inf:.4f} +- {se_inf:.4f}. Tolerance: 3 x combined stderr + the "
        f"extrapolation step (finite-size model error). Approximation of the theory: tangent fields "
        f"independent of the state fields. Tangent DMFT: {tan.lambda_max:.4f} +- "
        f"{tan.lambda_max_stderr:.4f}; constant-gate value at alpha_z = 0: "
        f"{solve_dmft(ModelParams.gated(4.0)).lambda_max:.4f}.")]


#: (alpha_z, alpha_r) points at g_h = 4; quick runs the first one.
GRID = ((2.0, 0.0), (0.0, 2.0), (10.0, 0.0), (2.0, 2.0), (10.0, 2.0), (0.0, 0.0))


@check("dmft_sampling_vs_networks")
def check_vs_networks(ctx) -> list[CheckResult]:
    rows = []
    points = GRID[:1] if ctx.scale == "quick" else GRID
    ns = ctx.size((300, 600), (1000, 2000))
    seeds = list(range(ctx.size(3, 4)))
    t_run = ctx.size(150.0, 600.0)
    kw = ctx.size(dict(n_paths=64, n_chains=6, dt=0.2), {})
    figs = []
    for az, ar in points:
        p = ModelParams.gated(4.0, alpha_z=az, alpha_r=ar)
        lags = np.array([0.0, 2.0, 5.0, 10.0, 20.0, 40.0])
        d = correlation_comparison_data(p, ns, seeds, t_run=t_run, lags=lags, dmft_kwargs=dict(kw, seed=ctx.seed))
        v = correlation_verdict(d)
        figs.append(d)
        big = d["per_n"][-1]
        table = "; ".join(f"tau={t:g}: DMFT {c:.4f}+-{e:.4f}, N={big['n']} {m:.4f}+-{s:.4f}, "
                          f"finite-size {f:.4f}" for t, c, e, m, s, f in
                          zip(lags, d["c_theory"], d["se_theory"], big["c_h"], big["se"], v["finite_size"]))
        w = v["worst"]
        rows.append(CheckResult(
            f"sampling DMFT C_h(tau) = networks (g_h=4, alpha_z={az:g}, alpha_r={ar:g}, N={big['n']})",
            float(d["c_theory"][w]), float(big["c_h"][w]), f"+-{v['tol'][w]:.3g} at tau={lags[w]:g}",
            v["passed"],
            f"{table}. Networks: {len(seeds)} seeds, T = {t_run:g}, 200 recorded units; sizes {ns}. "
            f"Tolerance per lag: 3 x sqrt(seed stderr^2 + DMFT chain stderr^2) + the measured "
            f"finite-size change between N = {ns[0]} and {ns[-1]}. DMFT tau_relax = "
            f"{d['theory'].tau_relax:.3g} +- {d['theory'].tau_relax_stderr:.2g}."))
    fig = ctx.figure_path("dmft_sampling_correlations.png")
    _plot(figs, fig)
    rows[0].figure = fig.name
    return rows


def _plot(data, path) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 4))
    for i, d in enumerate(data):
        p, th = d["params"], d["theory"]
        ax.plot(th.tau, th.c_h, color=f"C{i}", label=f"DMFT alpha_z={p.alpha_z:g}, alpha_r={p.alpha_r:g}")
        big = d["per_n"][-1]
        ax.errorbar(d["lags"], big["c_h"], yerr=big["se"], fmt="o", color=f"C{i}", ms=4)
    ax.set_xlim(0, 60)
    ax.set_xlabel("tau")
    ax.set_ylabel("C_h(tau)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
