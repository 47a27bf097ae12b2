"""Memory checks (issue 7, THEORY.md section 8): slow modes vs the frozen fraction, memory time vs
alpha_z, integration linearity, robustness (seeds, noise, moved parameters) and reset time.

Each network is solved once by Newton (theory.memory.marginal_state; fixed points do not depend on
the update gate) and re-used for every (alpha_z, beta_z). Tolerances are 3 x the standard error over
seeds (seed standard deviation / sqrt(number of seeds)) unless a row says otherwise. The ``*_data``
functions are shared with notebook 07 and the tests.
"""

from __future__ import annotations

import math

import numpy as np

from .. import memory as mem
from . import CheckResult, check

BASE = mem.DEFAULT_PARAMS


def _states(n, seeds, params=BASE):
    return [mem.marginal_state(params, n, s) for s in seeds]


def _sci(x):
    return "[" + ", ".join(f"{v:.1e}" for v in np.ravel(x)) + "]"


def _se(x):
    x = np.asarray(x, float)
    return float(np.std(x, ddof=1) / np.sqrt(x.size)) if x.size > 1 else math.inf


# ---- slow modes vs frozen fraction ----------------------------------------------------------
def slow_mode_data(n, seeds, alphas, thetas, eps=1e-2) -> dict:
    """Slow-mode fraction (|lambda| < eps) per (theta, alpha_z, seed), predicted P(s_z < eps),
    the hard-gate f0, and the network's own count of units with s_z(z_j*) < eps."""
    states = _states(n, seeds)
    shape = (len(thetas), len(alphas), len(states))
    out = {"measured": np.zeros(shape), "units": np.zeros(shape), "predicted": np.zeros(shape[:2]),
           "f0": np.zeros(len(thetas)), "alphas": np.asarray(alphas, float), "thetas": np.asarray(thetas, float)}
    for i, th in enumerate(thetas):
        for j, a in enumerate(alphas):
            p = BASE.replace(alpha_z=float(a), beta_z=float(a * th))
            for k, ms in enumerate(states):
                m = ms.with_params(p)
                out["measured"][i, j, k] = mem.slow_mode_count(m, eps) / n
                out["units"][i, j, k] = np.mean(m.s_z < eps)
            out["predicted"][i, j] = mem.predicted_slow_fraction(p, states[0].branch, eps)
        out["f0"][i] = states[0].with_params(BASE.replace(alpha_z=10.0, beta_z=10.0 * th)).frozen_fraction_theory
    return out


@check("memory_slow_modes")
def check_slow_modes(ctx) -> list[CheckResult]:
    n = ctx.size(300, 800)
    seeds = range(ctx.size(4, 6))
    alphas, thetas, eps = (5.0, 10.0, 20.0, 50.0), (0.0, 0.2), 1e-2
    d = slow_mode_data(n, seeds, alphas, thetas, eps)
    rows = []
    for i, th in enumerate(thetas):
        mean = d["measured"][i].mean(axis=1)
        p = d["predicted"][i]
        tol = 3 * np.maximum(d["measured"][i].std(axis=1, ddof=1), np.sqrt(p * (1 - p) / n)) / math.sqrt(len(seeds))
        err = np.abs(mean - p)
        rows.append(CheckResult(
            f"slow modes |lambda| < {eps:g} per N vs P(s_z(z*) < eps), theta_z = {th:g} (N = {n})",
            float(p[-1]), float(mean[-1]), "max |error| / tolerance < 1 over alpha_z",
            bool(np.all(err < tol)),
            "alpha_z: predicted, measured (mean of seeds), tolerance, units with s_z < eps in the "
            "networks: " + "; ".join(f"{a:g}: {pp:.3f} {m:.3f} +-{t:.3f} {u:.3f}" for a, pp, m, t, u in
                                     zip(alphas, p, mean, tol, d["units"][i].mean(axis=1)))
            + f". Hard-gate limit f0 = P(z* < theta_z) = {d['f0'][i]:.3f} (spectral_curve.frozen_fraction). "
              "Tolerance 3 x max(seed spread, binomial SE)/sqrt(seeds). Theory: static MFT q, "
              "slow-unit approximation (one eigenvalue ~ -s_z per slow unit)."))
    return rows


# ---- memory time vs alpha_z -----------------------------------------------------------------
def memory_time_data(n, seeds, alphas, t_hold=200.0, dt=0.1, linear_alphas=()) -> dict:
    """Memory times per (alpha_z, seed): measured (pulse area 0.1), leak-only with the network's own
    s_z(z_j*), population theory; for ``linear_alphas`` also the exact linearisation and the
    measured time at half the pulse area (to extrapolate to zero amplitude)."""
    states = _states(n, seeds)
    shape = (len(alphas), len(states))
    out = {k: np.full(shape, np.nan) for k in ("measured", "network", "linear", "half")}
    out.update({"alphas": np.asarray(alphas, float), "theory": np.zeros(len(alphas)), "curves": {},
                "t_hold": t_hold})
    for j, a in enumerate(alphas):
        p = BASE.replace(alpha_z=float(a))
        for k, ms in enumerate(states):
            m = ms.with_params(p)
            r = mem.memory_time(m, t_hold, dt=dt, linear=a in linear_alphas)
            out["measured"][j, k], out["network"][j, k] = r["measured"], r["network"]
            out["theory"][j] = r["theory"]
            if a in linear_alphas:
                out["linear"][j, k] = r["linear"]
                out["half"][j, k] = mem.memory_time(m, t_hold, dt=dt, amplitude=0.05)["measured"]
            if k == 0:
                out["curves"][a] = r
    return out


@check("memory_time")
def check_memory_time(ctx) -> list[CheckResult]:
    n = ctx.size(300, 800)
    seeds = range(ctx.size(3, 6))
    alphas = (4.0, 6.0, 8.0, 10.0)
    d = memory_time_data(n, seeds, alphas, linear_alphas=(4.0, 10.0))
    logm = np.log(d["measured"])
    per_alpha = "; ".join(f"alpha_z = {a:g}: theory {t:.3g}, measured {np.round(m, 2).tolist()}, "
                          f"own leak-only {np.round(w, 2).tolist()}"
                          for a, t, m, w in zip(alphas, d["theory"], d["measured"], d["network"]))
    # population: network-to-network variation of z* (finite-N spread of q) dominates the tolerance
    dev = np.abs(logm.mean(axis=1) - np.log(d["theory"]))
    tols = np.array([3 * _se(x) for x in logm])
    rows = [CheckResult(
        f"memory time vs alpha_z: population leak-only theory (static MFT q), N = {n}",
        float(d["theory"][-1]), float(np.exp(logm[-1].mean())), "|ln T - ln T_theory| < 3 SE of ln T, every alpha_z",
        bool(np.all(dev < tols)),
        "Pulse of area 0.1 along a random direction on the units with z* < theta_z = 0; readout = "
        "projection on it; T = first time the trace falls to 1/e. Theory: E[exp(-s_z(z) t) | z < 0], "
        "z ~ N(0, q): every frozen unit forgets at its own slow eigenvalue ~ -s_z(z*). The tolerance "
        f"({np.round(tols, 2).tolist()} in ln T) is dominated by the network-to-network spread of z*. "
        + per_alpha)]
    ratio = logm - np.log(d["network"])
    mean_r, tol_r = ratio.mean(axis=1), np.array([3 * _se(x) for x in ratio])
    rows.append(CheckResult(
        f"memory time / leak-only prediction with the network's own s_z(z_j*) (paired), N = {n}",
        1.0, float(np.exp(mean_r[-1])), "|mean ln ratio| < 3 SE, every alpha_z",
        bool(np.all(np.abs(mean_r) < tol_r)),
        "Ratio measured / predicted per network, exp(mean ln ratio) for alpha_z = "
        + ", ".join(f"{a:g}: {np.exp(r):.3f} (+-{t:.2f} in ln)" for a, r, t in zip(alphas, mean_r, tol_r))
        + ". Ratios above 1 that grow with alpha_z: the slow modes are collective (couplings among "
          "slow units through the active network slow the decay); the slow-unit approximation gets "
          "the eigenvalues (memory_slow_modes) but not the decay of a trace spread over them."))
    lin = ~np.isnan(d["linear"])
    extrap = 2 * d["half"][lin] - d["measured"][lin]  # Richardson: T(a -> 0) from a and a/2
    tol = np.abs(d["measured"][lin] - d["half"][lin])
    rel = np.abs(extrap - d["linear"][lin]) / d["linear"][lin]
    rows.append(CheckResult(
        f"memory time = that of the exact linearisation at the fixed point (alpha_z = 4, 10), N = {n}",
        float(d["linear"][lin][-1]), float(extrap[-1]), "|T(a->0) - T_lin| < |T(a) - T(a/2)| per network",
        bool(np.all(np.abs(extrap - d["linear"][lin]) < tol)),
        "T(a -> 0) = 2 T(a/2) - T(a) (a = 0.1); the tolerance is the measured first-order amplitude "
        f"effect. Relative differences: {np.round(rel, 4).tolist()}. The linearisation (RK4 on "
        "Jac(x*) from the same post-pulse state) carries the slow eigenvalues and their eigenvectors: "
        "memory is a linear slow-mode effect."))
    slopes = [np.polyfit(d["alphas"], logm[:, k], 1)[0] for k in range(logm.shape[1])]
    slope_t = np.polyfit(d["alphas"], np.log(d["theory"]), 1)[0]
    tol = 3 * _se(slopes)
    rows.append(CheckResult(
        f"d ln(memory time) / d alpha_z (exponential growth with the gate slope, N = {n})",
        float(slope_t), float(np.mean(slopes)), f"+-{tol:.3f}", bool(abs(np.mean(slopes) - slope_t) < tol),
        f"Least-squares slope of ln T over alpha_z = {list(alphas)}; per seed {np.round(slopes, 3).tolist()}; "
        f"tolerance 3 x SE over seeds."))
    return rows


# ---- integration ----------------------------------------------------------------------------
def integration_data(n, seeds, ks, sizes, n_trials=16, alpha_z=20.0, s_max=1e-3, dt=0.1) -> dict:
    """Projection and fitted (ridge, 2-fold cross-validated) readout errors per (k, size, seed)."""
    p = BASE.replace(alpha_z=alpha_z)
    states = [ms.with_params(p).with_memory(s_max) for ms in _states(n, seeds)]
    shape = (len(ks), len(sizes), len(states))
    out = {"proj": np.zeros(shape), "fit": np.zeros(shape), "slope": np.zeros(shape), "ks": ks,
           "sizes": sizes, "examples": {}}
    for i, k in enumerate(ks):
        for j, size in enumerate(sizes):
            for s, ms in enumerate(states):
                r = mem.integration_trials(ms, k, size, n_trials, dt=dt, seed=s)
                out["proj"][i, j, s] = r["relative_error"]
                out["slope"][i, j, s] = np.polyfit(r["sums"], r["readout"], 1)[0]
                X, y, half = r["final_h"] - ms.state[0], r["sums"], n_trials // 2
                errs = []
                for tr, te in ((slice(0, half), slice(half, None)), (slice(half, None), slice(0, half))):
                    w, c = mem.fit_linear_readout(X[tr], y[tr])
                    errs.append(np.mean((X[te] @ w + c - y[te]) ** 2))
                out["fit"][i, j, s] = math.sqrt(np.mean(errs) / np.mean(y**2))
                if s == 0:
                    out["examples"][(k, size)] = r
    return out


@check("memory_integration")
def check_integration(ctx) -> list[CheckResult]:
    n = ctx.size(300, 800)
    seeds = range(ctx.size(3, 6))
    ks, sizes = (1, 4, 8), (0.1, 1.0)
    d = integration_data(n, seeds, ks, sizes)
    table = "; ".join(f"k={k}, size={s:g}: projection {np.mean(d['proj'][i, j]):.4f}, fitted "
                      f"{np.mean(d['fit'][i, j]):.4f}" for i, k in enumerate(ks) for j, s in enumerate(sizes))
    sl = d["slope"][:, 0].ravel()
    tol = 3 * np.std(sl, ddof=1) / math.sqrt(sl.size)
    small = d["proj"][:, 0]
    big = d["proj"][:, 1]
    diff = (d["proj"][:, 0] - d["fit"][:, 0]).ravel()
    tol_fit = 3 * _se(diff)
    return [
        CheckResult(f"integration: slope of readout vs summed pulse areas, small pulses (N = {n})",
                    1.0, float(np.mean(sl)), f"+-{tol:.2g}", bool(abs(np.mean(sl) - 1) < tol),
                    f"alpha_z = 20, units with s_z(z*) < 1e-3, pulses of area U(-0.1, 0.1) 2 time units "
                    f"apart, k in {list(ks)}; hard-gate theory: an exact integrator (slope 1). Tolerance "
                    f"3 x SE of the slopes over seeds and k. Relative rms errors: {table}."),
        CheckResult(f"integration error grows with pulse size (gate crossings), not with small k (N = {n})",
                    "error(size 1) > error(size 0.1)", f"{np.mean(big):.3g} vs {np.mean(small):.3g}",
                    "every seed and k", bool(np.all(big > small)),
                    "Large stored values move z* = Jz phi(h*) of frozen units across theta_z and open "
                    f"their gates (nonlinear leak). {table}."),
        CheckResult(f"theory readout (projection on frozen units) vs fitted linear readout (N = {n})",
                    0.0, float(np.mean(diff)), f"<= {tol_fit:.2g}", bool(np.mean(diff) <= tol_fit),
                    "Difference projection error - ridge readout error (2-fold cross-validated on 16 "
                    "trials), small pulses; the untrained projection is as good as a fitted decoder. "
                    "Tolerance 3 x SE over seeds and k."),
    ]


# ---- robustness -----------------------------------------------------------------------------
def noise_data(n, seeds, sigma=0.01, t_hold=50.0, batch=64, alpha_z=20.0, s_max=1e-3) -> dict:
    """Var(m(t_hold)) / (sigma^2 t_hold) per seed: free diffusion along the frozen directions."""
    p = BASE.replace(alpha_z=alpha_z)
    ratios = []
    for ms in _states(n, seeds):
        m = ms.with_params(p).with_memory(s_max)
        t, r = mem.memory_trace(m, t_hold, amplitude=0.0, noise=sigma, batch=batch, dt=0.1)
        ratios.append(float(np.mean(r[-1] ** 2) / (sigma**2 * t[-1])))
    return {"ratio": np.array(ratios), "sigma": sigma, "t_hold": t_hold, "batch": batch}


MOVED = {"g_h = 2.2": BASE.replace(g_h=2.2), "g_h = 2.8": BASE.replace(g_h=2.8),
         "alpha_r = 2": BASE.replace(alpha_r=2.0), "theta_z = 0.2": BASE.replace(beta_z=2.0),
         "theta_z = -0.2": BASE.replace(beta_z=-2.0)}


def moved_data(n, seeds, alpha_z=20.0, s_max=1e-3) -> dict:
    """Integration error (k = 4, size 0.1) and the largest real part of the Jacobian eigenvalues
    (the growth rate of the weak finite-alpha_z instability, if any) per moved point."""
    out = {}
    for name, p in MOVED.items():
        p = p.replace(alpha_z=alpha_z, beta_z=p.beta_z * alpha_z / 10.0)
        errs, edges = [], []
        for s in seeds:
            try:
                ms = mem.marginal_state(p, n, s).with_memory(s_max)
            except mem.ConvergenceError:
                continue
            errs.append(mem.integration_trials(ms, 4, 0.1, 8, dt=0.1, seed=s)["relative_error"])
            ev = mem.fixed_point_eigenvalues(ms.network, ms.state)[: 2 * n]
            edges.append(float(np.max(ev.real)))
        out[name] = {"error": np.array(errs), "edge": np.array(edges)}
    return out


@check("memory_robustness")
def check_robustness(ctx) -> list[CheckResult]:
    n = ctx.size(300, 800)
    seeds = range(ctx.size(3, 6))
    d = noise_data(n, seeds, batch=ctx.size(64, 128))
    r = d["ratio"]
    # sampling error of a variance from B Gaussian trials: sqrt(2 / B) per seed
    tol = 3 * max(_se(r), math.sqrt(2.0 / d["batch"]) / math.sqrt(r.size))
    rows = [CheckResult(
        f"noise: stored value diffuses freely, Var(m(t)) = sigma^2 t |u|^2 (N = {n})",
        1.0, float(np.mean(r)), f"+-{tol:.2g}", bool(abs(np.mean(r) - 1) < tol),
        f"White noise sigma = {d['sigma']} on every h, readout on units with s_z(z*) < 1e-3, t = "
        f"{d['t_hold']:g}, {d['batch']} trials per seed; per seed {np.round(r, 3).tolist()}. "
        "Frozen units have no restoring force (zero modes): a random walk, exact in the hard-gate "
        "limit. Tolerance 3 x max(seed SE, sqrt(2/B)/sqrt(seeds)).")]
    mv = moved_data(n, seeds[:3])  # 5 points x 3 networks: one Newton solve each
    base = integration_data(n, seeds, (4,), (0.1,), n_trials=8)["proj"].ravel()
    worst = max(float(np.max(v["error"])) for v in mv.values() if v["error"].size)
    edge = max(float(np.max(v["edge"])) for v in mv.values() if v["edge"].size)
    horizon = 100.0  # duration of the longest protocol here: growth e^{max Re * horizon} ~ 1
    rows.append(CheckResult(
        f"no fine-tuning: integration at moved parameters (N = {n})",
        "error < 1%, max Re lambda < 1e-3", f"worst error {worst:.3g}, max Re {edge:.3g}",
        "every point and seed", bool(worst < 0.01 and edge < 1.0 / horizon / 10),
        "k = 4 pulses of area U(-0.1, 0.1), alpha_z = 20, readout on s_z(z*) < 1e-3 units. Points: "
        + "; ".join(f"{k}: errors {np.round(v['error'], 4).tolist()}, max Re lambda "
                    f"{_sci(v['edge'])}" for k, v in mv.items())
        + f". Base point errors {np.round(base, 4).tolist()}. The 1% bound is a design criterion "
          "(an integrator good to 1% over 4 pulses), not a theory tolerance; max Re lambda < 1e-3 means "
          "any residual instability (theory: right edge x* > 0 but tiny at finite alpha_z) grows by "
          "less than 10% over 100 time units. Points where Newton found no fixed point on the "
          "branch are skipped (listed with fewer seeds)."))
    return rows


# ---- reset ----------------------------------------------------------------------------------
def reset_data(n, seeds, strengths, duration=20.0, dt=0.05) -> dict:
    """Reset times per (R, seed): measured (area 0.1), at half the area, linearised around the
    reference reset trajectory, leak-only with the network's own z_j*, population theory."""
    states = _states(n, seeds)
    shape = (len(strengths), len(states))
    out = {k: np.zeros(shape) for k in ("measured", "network", "linear", "half", "curve_err", "curve_tol")}
    out.update({"strengths": np.asarray(strengths, float), "theory": np.zeros(len(strengths)), "curves": {}})
    for j, R in enumerate(strengths):
        for k, ms in enumerate(states):
            r = mem.reset_time(ms, R, duration=duration, dt=dt, linear=True)
            out["measured"][j, k], out["network"][j, k], out["theory"][j] = r["measured"], r["network"], r["theory"]
            out["linear"][j, k] = r["linear"]
            half = mem.reset_time(ms, R, duration=duration, dt=dt, amplitude=0.05)
            out["half"][j, k] = half["measured"]
            # curves: zero-amplitude extrapolation 2 d(a/2) - d(a) vs the linearisation
            out["curve_err"][j, k] = np.max(np.abs(2 * half["d"] - r["d"] - r["d_linear"]))
            out["curve_tol"][j, k] = np.max(np.abs(half["d"] - r["d"]))
            if k == 0:
                out["curves"][R] = r
    return out


@check("memory_reset")
def check_reset(ctx) -> list[CheckResult]:
    n = ctx.size(300, 800)
    seeds = range(ctx.size(3, 6))
    strengths = (0.5, 1.0, 2.0, 4.0)
    d = reset_data(n, seeds, strengths)
    means = np.array([float(np.mean(m)) for m in d["measured"]])
    ses = np.array([_se(m) for m in d["measured"]])
    theory = np.asarray(d["theory"], float)
    ratio = means / theory
    # what the leak-only picture predicts robustly: faster reset for stronger inputs, approached
    # from above as R grows (the gates open fully and the collective slowing matters less); the
    # gap at each R is reported, not asserted away
    faster = bool(np.all(np.diff(means) < 3 * np.hypot(ses[1:], ses[:-1])) and
                  means[-1] < means[0] - 3 * np.hypot(ses[0], ses[-1]))
    approach = bool(np.all(np.diff(ratio) < 3 * (ses[1:] / theory[1:] + ses[:-1] / theory[:-1]))
                    and ratio[-1] < ratio[0])
    rows = [CheckResult(
        f"reset: time to erase the trace falls with the reset input I^z = R and approaches the "
        f"leak-only time from above (N = {n}, alpha_z = 10)",
        float(theory[-1]), float(means[-1]), "decreasing in R (3 SE); measured/leak-only ratio "
        "decreasing toward 1", faster and approach,
        "R, leak-only theory, measured mean +- SE over seeds, ratio: "
        + "; ".join(f"{R:g}: {t:.3f}, {m:.3f} +- {e:.3f}, {r:.2f}" for R, t, m, e, r in
                    zip(strengths, theory, means, ses, ratio))
        + ". Leak-only theory: gates open, frozen unit j relaxes at rate s_z(z_j* + R(1 - exp(-t/tau_z))), "
          "averaged over z* ~ N(0, q), z* < 0. It underestimates the measured reset time at every R "
          "(by the ratios above): a collective linear effect among the opened units (next row), not "
          "captured by single-unit relaxation. Per seed: "
        + "; ".join(f"R = {R:g}: {np.round(m, 3).tolist()}" for R, m in zip(strengths, d["measured"]))
        + f"; same formula with each network's own z_j*: {np.round(d['network'], 3).tolist()}.")]
    err, tol = d["curve_err"], d["curve_tol"]
    rows.append(CheckResult(
        f"reset trace = that of the dynamics linearised around the reference reset (N = {n})",
        0.0, float(np.max(err)), "max_t |d_0(t) - d_lin(t)| < max_t |d_a(t) - d_a/2(t)| per network and R",
        bool(np.all(err < tol)),
        "d_0 = 2 d_(a/2) - d_a (a = 0.1) extrapolates the measured trace to zero amplitude; the "
        "tolerance is the measured first-order amplitude effect. Errors / tolerances per R: "
        + "; ".join(f"R = {R:g}: {_sci(e)} / {_sci(t)}" for R, e, t in zip(strengths, err, tol))
        + f". Linearised reset times: {np.round(d['linear'], 3).tolist()}. The linearisation includes "
          "every opened unit's leak and the couplings among units; agreement means the gap to the "
          "leak-only theory is a linear collective effect."))
    return rows
