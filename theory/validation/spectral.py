"""Spectral checks (issue 4): fixed-point Jacobian eigenvalues of finite networks vs the bulk
F(lambda) >= 1, pinching by the update gate, zero modes of near-step gates and gate-made
marginal stability.

Fixed points do not depend on the update gate (alpha_z, beta_z, tau_z), so each network is
solved once by Newton (theory.fixed_points) and its Jacobian is re-evaluated for every update
gate on a network rebuilt with the same seed; the residual of the rebuilt network is checked.
The ``*_data`` functions are used by tests at their own sizes.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from ..fixed_points import find_fixed_points, fixed_point_eigenvalues
from ..gates import dphi_from_phi, dsigmoid, phi, sigmoid
from ..memory import predicted_slow_fraction
from ..network import GatedNetwork
from ..params import ModelParams
from ..spectral_curve import disc_mass, f_hr0, frozen_fraction, in_bulk, right_edge, spectral_boundary
from ..static_mft import solve_static
from . import CheckResult, check

#: Network parameters of the checks: nonzero fixed points exist (g_h s_r > 1) and Newton from
#: random starts still finds them at N ~ 1000 (it mostly fails beyond g_h ~ 3 here).
BASE = ModelParams.gated(2.5, alpha_r=1.0)
#: |lambda| below this counts as a numerically zero eigenvalue (near-step update gates).
ZERO_TOL = 1e-6
#: Slope of the "near-step" update gate.
ALPHA_STEP = 1e4
#: Gauss-Hermite nodes (h, z, r) of the hermitised resolvent's unit average. With alpha_z > 0 the
#: z average converges slowly (the whisker poles -s_z(z) cross the disc contours): at alpha_z = 5
#: the fraction in |lambda + 1/2| < 0.1 is 0.0111 / 0.0168 / 0.0180 / 0.0183 / 0.0183 with
#: 10 / 40 / 80 / 160 z-nodes / 16 h, r-nodes; 10 nodes in h and r change it by < 2e-4.
DENSITY_NODES = (10, 160, 10)

_FP_CACHE: dict = {}


def fixed_point_state(params: ModelParams, n: int, seed: int, n_starts: int = 6):
    """State (3, N) of the Newton fixed point closest in Delta_h to the largest nonzero static
    branch, or None if none lies within a factor 2 of it (finite networks also have fixed points
    near 0 or on other branches, which the branch's spectrum does not describe).

    Depends only on the parameters that enter fixed points (not on the update gate)."""
    key = (params.replace(alpha_z=0.0, beta_z=0.0, tau_z=1.0).provenance().__repr__(), n, seed)
    if key not in _FP_CACHE:
        target = branch_of(params).delta_h
        net = GatedNetwork(params, n, seed=seed)
        fps, _ = find_fixed_points(net, n_starts, seed=0, eigenvalues=False)
        fps = [f for f in fps if 0.5 * target < f.delta_h < 2.0 * target]
        fps.sort(key=lambda f: abs(np.log(f.delta_h / target)))
        _FP_CACHE[key] = fps[0].state if fps else None
    return _FP_CACHE[key]


def eigenvalues_at(params: ModelParams, n: int, seed: int, state) -> tuple[np.ndarray, float]:
    """Eigenvalues of the (h, r) block (2N) for ``params`` at ``state``, and the residual
    max |dx/dt| of the rebuilt network (fixed points do not depend on the update gate)."""
    net = GatedNetwork(params, n, seed=seed)
    residual = float(np.max(np.abs(net.vector_field(0.0, state))))
    ev = fixed_point_eigenvalues(net, state)[: 2 * n]
    return ev, residual


def fresh_coupling_eigenvalues(params: ModelParams, n: int, seed: int, state) -> np.ndarray:
    """(h, r)-block eigenvalues with the same per-unit factors (phi', s_r, s_z at ``state``) but
    couplings independent of the fixed point (a network with another seed): the random-matrix
    model that F(lambda) describes, without the correlation between J and h*."""
    net = GatedNetwork(params, n, seed=10_000 + seed)
    jac = net.linearize(0.0, state).dense()
    keep = np.r_[0:n, 2 * n:3 * n]
    return np.linalg.eigvals(jac[np.ix_(keep, keep)])


def branch_of(params: ModelParams):
    return solve_static(params).nonzero[-1]


# ---- bulk: eigenvalues inside F >= 1, right edge vs N ---------------------------------------
def own_variances(state) -> tuple[float, float, float]:
    """(D_h, D_z, D_r) = (mean h*^2, mean z*^2, mean r*^2) of one network's fixed point.

    Notes
    -----
    A finite network has many fixed points (F_hr(0) > 1: positive complexity) whose empirical
    variances scatter around the static branch (here Delta_h from 0.036 to 0.089 at N = 500 for a
    branch value 0.061); F(lambda) depends on the fixed point only through these variances, so the
    spectrum of a given fixed point is compared with F evaluated at its own variances.
    """
    return tuple(float(np.mean(x**2)) for x in state)


def bulk_data(params: ModelParams, ns, seeds) -> dict:
    """Per (N, seed): fraction of eigenvalues in the predicted bulk and rightmost eigenvalue, at
    the Newton fixed point and for its random-matrix control (same per-unit factors, couplings
    independent of h*), with F at the branch variances (``*_branch``) and at the fixed point's
    own variances (:func:`own_variances`)."""
    b = branch_of(params)
    keys = ("n", "seed", "inside_branch", "inside", "inside_fresh", "max_real", "max_real_fresh",
            "edge_own", "delta_h", "residual")
    out = {k: [] for k in keys}
    out["eigs"], out["own"] = {}, {}
    for n in ns:
        for seed in seeds:
            state = fixed_point_state(params, n, seed)
            if state is None:
                continue
            ev, res = eigenvalues_at(params, n, seed, state)
            fresh = fresh_coupling_eigenvalues(params, n, seed, state)
            own = own_variances(state)
            values = (n, seed, np.mean(in_bulk(params, b, ev)), np.mean(in_bulk(params, own, ev)),
                      np.mean(in_bulk(params, own, fresh)), np.max(ev.real), np.max(fresh.real),
                      right_edge(params, own), own[0], res)
            for k, v in zip(keys, values):
                out[k].append(v)
            out["eigs"][(n, seed)], out["own"][(n, seed)] = ev, own
    out = {k: (np.array(v) if isinstance(v, list) else v) for k, v in out.items()}
    out["theory_edge"] = right_edge(params, b)
    out["branch"] = b
    return out


def slow_fraction(params: ModelParams, branch, eps: float) -> float:
    """Predicted count / N of eigenvalues in |lambda| < eps: P(s_z(z*) < eps), z* ~ N(I_z, q).

    Notes
    -----
    Slow-unit approximation: G_hh has a pole at lambda = -s_z per unit, and a unit with
    s_z << (distance of the bulk from 0) contributes one eigenvalue near -s_z (the whisker of
    spectral_curve), so the count in a small disc is N P(s_z < eps): the frozen fraction at the
    threshold theta_eps = (logit(eps) + beta_z) / alpha_z (memory.predicted_slow_fraction).
    Exact in the hard-gate limit (f0). With alpha_z = 0 every unit has s_z = sigma_z(0).
    """
    if params.alpha_z == 0:
        return float(expit(-params.beta_z) < eps)
    return predicted_slow_fraction(params, branch, eps)


def pinching_data(base: ModelParams, alphas, n: int, seeds, eps: float) -> dict:
    """Count / N of eigenvalues with |lambda| < eps for each alpha_z (one Newton solve per seed)."""
    b = branch_of(base)
    rows = {"alpha_z": np.array(alphas, float), "counts": [], "residual": 0.0,
            "predicted": np.array([slow_fraction(base.replace(alpha_z=float(a)), b, eps) for a in alphas])}
    for seed in seeds:
        state = fixed_point_state(base, n, seed)
        if state is None:
            continue
        row = []
        for a in alphas:
            ev, res = eigenvalues_at(base.replace(alpha_z=float(a)), n, seed, state)
            rows["residual"] = max(rows["residual"], res)
            row.append(np.sum(np.abs(ev) < eps) / n)
        rows["counts"].append(row)
    rows["counts"] = np.array(rows["counts"])
    # binomial standard error of a fraction p of N units
    p = rows["predicted"]
    rows["binomial_se"] = np.sqrt(p * (1 - p) / n)
    return rows


# ---- density inside the support --------------------------------------------------------------
def density_data(params: ModelParams, n: int, seeds, center: complex, radii) -> dict:
    """Predicted (hermitised resolvent) and measured fractions of the 2N eigenvalues in discs,
    per network, the prediction at that fixed point's own variances (:func:`own_variances`), and
    the fractions for its random-matrix control (:func:`fresh_coupling_eigenvalues`)."""
    radii = np.asarray(radii, float)
    emp, pred, fresh = [], [], []
    for seed in seeds:
        state = fixed_point_state(params, n, seed)
        if state is None:
            continue
        ev, _ = eigenvalues_at(params, n, seed, state)
        emp.append([np.mean(np.abs(ev - center) < r) for r in radii])
        ctrl = fresh_coupling_eigenvalues(params, n, seed, state)
        fresh.append([np.mean(np.abs(ctrl - center) < r) for r in radii])
        pred.append(disc_mass(params, own_variances(state), center, radii, n_nodes=DENSITY_NODES,
                              n_theta=32, tol=1e-7, max_iter=2000))
    branch = disc_mass(params, branch_of(params), center, radii, n_nodes=DENSITY_NODES, n_theta=32,
                       tol=1e-7, max_iter=2000)
    return {"radii": radii, "predicted": np.array(pred), "measured": np.array(emp),
            "control": np.array(fresh), "branch": branch, "center": center, "n": n}


@check("spectral_density")
def check_spectral_density(ctx) -> list[CheckResult]:
    n = ctx.size(400, 1000)
    seeds = range(ctx.size(3, 5))
    rows = []
    fig = ctx.figure_path("spectral_density.png")
    data = []
    # radii stay inside the bulk (boundary ~0.53 from -1/2): near F = 1 the iteration slows down
    # critically, and with alpha_z > 0 circles cross the whisker on (-1, 0) where it is dense
    for a, radii in ((0.0, (0.1, 0.2, 0.3, 0.4)), (5.0, (0.1, 0.2, 0.3))):
        p = BASE.replace(alpha_z=a)
        d = density_data(p, n, seeds, -0.5, radii)
        data.append((a, d))
        k = d["measured"].shape[0]
        meas, pred = d["measured"].mean(axis=0), d["predicted"].mean(axis=0)
        spread = d["measured"].std(axis=0, ddof=1) if k > 1 else np.zeros_like(meas)
        binom = np.sqrt(pred * (1 - pred) / (2 * n))
        tol = 3 * np.maximum(spread, binom) / np.sqrt(k)
        err = np.abs(meas - pred)
        rows.append(CheckResult(
            f"eigenvalue density: fraction in discs |lambda + 1/2| < R (alpha_z = {a:g}, N = {n})",
            float(np.max(pred)), float(np.max(err / tol)), "max |error| / tolerance < 1",
            k >= 2 and bool(np.all(err < tol)),
            "R, predicted, measured (means over " + f"{k} networks), tolerance: "
            + "; ".join(f"{r:g}: {pp:.4f} {m:.4f} +-{t:.4f}" for r, pp, m, t in
                        zip(d["radii"], pred, d["measured"].mean(axis=0), tol))
            + f" (prediction at the static branch variances: {np.round(d['branch'], 4).tolist()}; "
              f"random-matrix controls with the same factors: {np.round(d['control'].mean(axis=0), 4).tolist()}). "
              "Prediction: hermitised self-consistent resolvent at each fixed point's own variances, "
              "mass = (1/2 pi i) oint g dlambda (spectral_curve.disc_mass). Tolerance: 3 x max(seed "
              "spread of the measured fraction, binomial SE) / sqrt(k).",
            figure=fig.name))
    _plot_density(data, fig)
    return rows


def _plot_density(data, path) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.5))
    for i, (a, d) in enumerate(data):
        for row in d["measured"]:
            ax.plot(d["radii"], row, "o", color=f"C{i}", alpha=0.5, ms=4)
        ax.plot(d["radii"], d["predicted"].mean(axis=0), "-", color=f"C{i}",
                label=f"theory (own variances), alpha_z = {a:g}")
        ax.plot(d["radii"], d["branch"], ":", color=f"C{i}", label="theory (branch variances)")
    ax.set_xlabel("R")
    ax.set_ylabel("fraction of eigenvalues in |lambda + 1/2| < R")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---- near-step update gate: zero modes and the reduced bulk ---------------------------------
def frozen_data(base: ModelParams, theta: float, n: int, seeds) -> dict:
    """Zero-eigenvalue count vs f0 N and the reduced bulk, for alpha_z = ALPHA_STEP."""
    b = branch_of(base)
    p = base.replace(alpha_z=ALPHA_STEP, beta_z=ALPHA_STEP * theta)
    out = {"zero_fraction": [], "f0_empirical": [], "inside_reduced": [], "max_real_nonzero": [],
           "f0": frozen_fraction(base, b, theta), "eigs": []}
    for seed in seeds:
        state = fixed_point_state(base, n, seed)
        if state is None:
            continue
        ev, _ = eigenvalues_at(p, n, seed, state)
        zero = np.abs(ev) < ZERO_TOL
        out["zero_fraction"].append(np.sum(zero) / n)
        out["f0_empirical"].append(float(np.mean(state[1] < theta)))
        out["inside_reduced"].append(float(np.mean(in_bulk(base, own_variances(state), ev[~zero], frozen=True,
                                                           theta_z=theta))))
        out["max_real_nonzero"].append(float(np.max(ev[~zero].real)))
        out["eigs"].append(ev)
    for k in ("zero_fraction", "f0_empirical", "inside_reduced", "max_real_nonzero"):
        out[k] = np.array(out[k])
    out["branch"] = b
    return out


# ---- marginal stability without fine-tuning -------------------------------------------------
def _network_averages(params: ModelParams, state):
    h, z, r = state
    ph = phi(h, params.g_h, params.beta_h)
    dphi = dphi_from_phi(ph, params.g_h)
    s_r = sigmoid(r, params.alpha_r, params.beta_r)
    ds_r = dsigmoid(r, params.alpha_r, params.beta_r)
    return np.mean(dphi**2), np.mean(s_r**2), np.mean(ph**2) * np.mean(ds_r**2)


def network_criterion(params: ModelParams, state, theta: float) -> float:
    """(1 - f0) F_hr(0) from one network's own fixed point (empirical unit averages)."""
    a, b, c = _network_averages(params, state)
    return float((1 - np.mean(state[1] < theta)) * a * (b + c))


def network_reduced_edge(params: ModelParams, state, theta: float) -> float:
    """Right edge of the reduced (hard-gate) bulk with this network's own unit averages:
    the root x > -1 of (1 - f0) <phi'^2>(<s_r^2> + <phi^2><s_r'^2>/(1 + tau_r x)^2)/(1 + x)^2 = 1."""
    from scipy.optimize import brentq

    a, b, c = _network_averages(params, state)
    f_act = 1 - np.mean(state[1] < theta)

    def g(x):
        return f_act * a * (b + c / (1 + params.tau_r * x) ** 2) / (1 + x) ** 2 - 1.0

    if f_act == 0:
        return -np.inf  # every unit frozen: no reduced bulk, only zero eigenvalues
    lo = max(-1.0, -1.0 / params.tau_r) + 1e-9
    return float(brentq(g, lo, 10.0, xtol=1e-13))


def network_constant_edge(params: ModelParams, state) -> float:
    """Right edge of the constant-update-gate bulk (s_z = sigma_z(0)) with this network's own unit
    averages: the root x > -s_z of s_z^2 <phi'^2>(<s_r^2> + <phi^2><s_r'^2>/(1 + tau_r x)^2)/(x + s_z)^2 = 1."""
    from scipy.optimize import brentq

    a, b, c = _network_averages(params, state)
    s = float(expit(-params.beta_z))

    def g(x):
        return s**2 * a * (b + c / (1 + params.tau_r * x) ** 2) / (x + s) ** 2 - 1.0

    lo = max(-s, -1.0 / params.tau_r) + 1e-9
    return float(brentq(g, lo, 10.0, xtol=1e-13))


def network_level(params: ModelParams, state, edge: float) -> float:
    """kappa = F_net(edge): the level of F (with this network's own unit averages, constant
    update gate s_z = sigma_z(0)) at its measured right edge; kappa = 1 at N = infinity.

    Notes
    -----
    Finite networks have their rightmost eigenvalue inside the N = infinity bulk (the edge layer
    is O(N^-1/2) wide), i.e. at F = kappa > 1. The finite-N version of the criterion is then
    (1 - f0) F_hr(0) < kappa, assuming the reduced network's level is the same.
    """
    a, b, c = _network_averages(params, state)
    s = float(expit(-params.beta_z))
    return float(s**2 / (edge + s) ** 2 * a * (b + c / (1 + params.tau_r * edge) ** 2))


def marginal_data(bases, thetas, n: int, seeds) -> dict:
    """Per (g_h, seed, theta_z): unstable with constant gates? marginally stable with a near-step
    update gate of threshold theta_z? and the criterion from theory (population) and from the
    network's own fixed point. One Newton solve per (base parameters, seed) serves every theta_z
    (``bases``: ModelParams with constant update gates)."""
    rows = []
    for base in bases:
        g = base.g_h
        b = branch_of(base)
        F0 = f_hr0(base, b)
        for seed in seeds:
            state = fixed_point_state(base, n, seed)
            if state is None:
                continue
            ev_c, _ = eigenvalues_at(base, n, seed, state)
            # finite-N error of the edge at constant gates, in units of s_z (the reduced bulk has s_z = 1)
            s = float(expit(-base.beta_z))
            edge_error = (float(np.max(ev_c.real)) - network_constant_edge(base, state)) / s
            for theta in thetas:
                p = base.replace(alpha_z=ALPHA_STEP, beta_z=ALPHA_STEP * theta)
                ev_s, _ = eigenvalues_at(p, n, seed, state)
                nonzero = ev_s[np.abs(ev_s) >= ZERO_TOL]
                rows.append({"g_h": float(g), "alpha_r": base.alpha_r, "seed": seed, "theta": float(theta), "F_hr0": F0,
                             "criterion_theory": (1 - frozen_fraction(base, b, theta)) * F0,
                             "criterion_network": network_criterion(base, state, theta),
                             "reduced_edge_network": network_reduced_edge(base, state, theta),
                             "edge_error_constant": edge_error,
                             "unstable_constant": bool(np.max(ev_c.real) > 0),
                             "max_real_constant": float(np.max(ev_c.real)),
                             "max_real_step": float(np.max(nonzero.real)),
                             "marginal": bool(np.max(ev_c.real) > 0 and np.max(nonzero.real) < 0)})
    return {"rows": rows, "n": n}


# ---- checks ---------------------------------------------------------------------------------
@check("spectral_bulk")
def check_spectral_bulk(ctx) -> list[CheckResult]:
    params = BASE.replace(alpha_z=5.0)
    n_big = ctx.size(400, 1000)
    ns = (n_big // 2, n_big)
    seeds = range(ctx.size(6, 10))
    d = bulk_data(params, ns, seeds)
    big, small = d["n"] == n_big, d["n"] == n_big // 2
    k = int(big.sum())

    def mean_se(x):
        return float(np.mean(x)), float(np.std(x, ddof=1) / np.sqrt(x.size)) if x.size > 1 else np.inf

    # outside fraction ~ edge layer ~ N^-1/2: the 99% at N = 1000 scales to 98.4% at N = 400
    need = 1.0 - 0.01 * np.sqrt(1000.0 / n_big)
    inside, inside_se = mean_se(d["inside"][big])
    out_small = 1 - float(np.mean(d["inside"][small]))
    gap, gap_se = mean_se(d["inside"][big] - d["inside_fresh"][big])
    # right edge: max Re - edge at the network's own variances; finite-size error by varying N
    lag_big, lag_se = mean_se(d["max_real"][big] - d["edge_own"][big])
    lag_small = float(np.mean(d["max_real"][small] - d["edge_own"][small]))
    tol = 3 * lag_se + abs(lag_big - lag_small)
    pair, pair_se = mean_se(d["max_real"][big] - d["max_real_fresh"][big])
    fig = ctx.figure_path("spectral_bulk.png")
    _plot_bulk(params, d, n_big, fig)
    per = lambda key: np.round(d[key][big], 4).tolist()  # noqa: E731
    return [
        CheckResult(f"eigenvalues at Newton fixed points inside F(lambda) >= 1 (N={n_big}, alpha_z=5)",
                    need, inside, f">= {need:.4f} (mean over {k} networks)", k >= 2 and inside >= need,
                    f"Fraction of the 2N (h, r)-block eigenvalues with F >= 1 (whisker and lambda = 0 "
                    f"closure included, spectral_curve.in_bulk), F at each fixed point's own variances "
                    f"(spectral.own_variances: networks have many fixed points whose Delta_h scatter, "
                    f"here {per('delta_h')} vs the branch {d['branch'].delta_h:.4f}). Per network: "
                    f"{per('inside')} (at the branch variances: {per('inside_branch')}). Requirement 99% "
                    f"at N = 1000, scaled as the N^-1/2 edge layer to N = {n_big}; outside fraction "
                    f"{1 - inside:.4f} here vs {out_small:.4f} at N = {n_big // 2} (ratio "
                    f"{out_small / max(1 - inside, 1e-12):.2f}, sqrt 2 = 1.41 for an N^-1/2 layer). "
                    f"g_h = 2.5, alpha_r = 1.", figure=fig.name),
        CheckResult(f"edge layer: outside fraction at Newton fixed points <= that of random matrices "
                    f"with the same factors (N={n_big})",
                    0.0, gap, f"inside(fixed point) - inside(control) > -{3 * gap_se:.3g} (3 SE, paired)",
                    k >= 2 and gap > -3 * gap_se,
                    f"Control: the same per-unit factors with couplings of another seed "
                    f"(spectral.fresh_coupling_eigenvalues), per network {per('inside_fresh')}. One-sided: "
                    f"the eigenvalues outside F >= 1 are no more than the finite-N edge layer of the random "
                    f"matrix F describes. Measured difference {gap:+.4f} +- {gap_se:.4f} (SE): a positive "
                    f"value means the fixed-point spectra are more compact than their controls (as the "
                    f"rightmost eigenvalue in the last row), a correlation of Jh with h* that F omits."),
        CheckResult(f"right edge (rightmost real part) of the bulk (N={n_big})",
                    float(np.mean(d["edge_own"][big])), float(np.mean(d["max_real"][big])),
                    f"max Re - edge within +-{tol:.3g}", abs(lag_big) < tol,
                    f"Per network max Re lambda {per('max_real')} vs right_edge at its own variances "
                    f"{per('edge_own')} (branch: {d['theory_edge']:.4f}); mean difference {lag_big:.4f} "
                    f"at N = {n_big}, {lag_small:.4f} at N = {n_big // 2}. Finite-size error = 3 SE "
                    f"over networks + the change of the mean difference from N = {n_big // 2} to N = "
                    f"{n_big}: with alpha_z = 5 the edge is the tip of a thin cusp near 0, which few "
                    f"eigenvalues reach at finite N. Fixed-point residual of the rebuilt networks "
                    f"<= {np.max(d['residual']):.1e}."),
        CheckResult(f"right edge: Newton fixed points vs random matrices with the same factors (N={n_big})",
                    0.0, pair, f"+-{3 * pair_se:.3g} (3 SE of the paired difference)",
                    k >= 2 and abs(pair) < 3 * pair_se,
                    f"max Re at the fixed point minus max Re of its random-matrix control: per network "
                    f"control {per('max_real_fresh')}. Tests whether the correlation of Jh with h* "
                    f"(h* = Jh s_r phi(h*)) moves the edge beyond the error: mean difference {pair:+.4f} +- "
                    f"{pair_se:.4f} (SE)."),
        CheckResult(f"Delta_h of the Newton fixed points vs static MFT (N={n_big})",
                    d["branch"].delta_h, float(np.mean(d["delta_h"][big])),
                    f"+-{3 * np.std(d['delta_h'][big], ddof=1):.3g} (3 x seed spread)",
                    abs(np.mean(d["delta_h"][big]) - d["branch"].delta_h) < 3 * np.std(d["delta_h"][big], ddof=1),
                    "The variances (D_h, q) that enter F come from theory.static_mft (largest nonzero branch)."),
    ]


def _plot_bulk(params, d, n, path) -> None:
    """One network's eigenvalues with F = 1 at its own variances and at the branch variances."""
    import matplotlib.pyplot as plt

    key = next(k for k in d["eigs"] if k[0] == n)
    ev = d["eigs"][key]
    fig, ax = plt.subplots(figsize=(5, 4.5))
    ax.plot(ev.real, ev.imag, ".", ms=2, alpha=0.6, color="C0", label=f"eigenvalues (seed {key[1]})")
    for variances, style, label in ((d["own"][key], "k-", "F = 1, own variances"),
                                    (d["branch"], "r--", "F = 1, static branch")):
        for i, c in enumerate(spectral_boundary(params, variances).curves):
            cc = np.r_[c, c[:1]]
            ax.plot(cc.real, cc.imag, style, lw=1.0, label=None if i else label)
    ax.set_xlabel("Re lambda")
    ax.set_ylabel("Im lambda")
    ax.set_title(f"fixed-point spectrum, N = {n}, alpha_z = {params.alpha_z:g}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


@check("spectral_pinching")
def check_spectral_pinching(ctx) -> list[CheckResult]:
    n = ctx.size(400, 1000)
    alphas = (0.0, 2.0, 5.0, 10.0, 20.0, 50.0, 1000.0)
    eps = 0.05
    d = pinching_data(BASE, alphas, n, range(ctx.size(3, 5)), eps)
    mean = d["counts"].mean(axis=0)
    k = d["counts"].shape[0]
    # tolerance: 3 binomial standard errors of the mean over k networks, plus the seed-to-seed
    # scatter of the networks' own q (the finite-N fixed point's z variance), measured
    scatter = d["counts"].std(axis=0, ddof=1) if k > 1 else 0 * mean
    # plus the bulk eigenvalues in the disc, which the slow-unit count omits: measured at alpha_z = 0
    bulk = float(mean[0]) if alphas[0] == 0 else 0.0
    tol = 3 * np.maximum(d["binomial_se"], scatter) / np.sqrt(k) + 1.0 / n + bulk
    ok = bool(np.all(np.abs(mean - d["predicted"]) < tol))
    monotone = bool(np.all(np.diff(mean) >= -1.0 / n))
    fig = ctx.figure_path("spectral_pinching.png")
    _plot_pinching(d, eps, n, fig)
    return [
        CheckResult(f"pinching: count/N of eigenvalues in |lambda| < {eps} grows with alpha_z as N P(s_z < {eps})",
                    float(np.max(np.abs(d["predicted"]))), float(np.max(np.abs(mean - d["predicted"]))),
                    f"per alpha_z: |mean - P| < 3 SE/sqrt({k}) + 1/N + bulk({bulk:.4f})", ok and monotone,
                    "alpha_z = " + ", ".join(f"{a:g}: {m:.4f} vs {p:.4f} (+-{t:.3f})" for a, m, p, t in
                                             zip(alphas, mean, d["predicted"], tol))
                    + f". theory column: largest predicted fraction; simulation column: largest |error|. "
                    f"Slow-unit approximation (spectral.slow_fraction); it omits the bulk's own eigenvalues in "
                    f"the disc (bulk = count at alpha_z = 0, added to the tolerance). One Newton solve per network, "
                    f"Jacobian rebuilt for every alpha_z (residual {d['residual']:.1e}). N = {n}.",
                    figure=fig.name),
    ]


def _plot_pinching(d, eps, n, path) -> None:
    import matplotlib.pyplot as plt

    a = np.maximum(d["alpha_z"], 0.5)
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for row in d["counts"]:
        ax.plot(a, row, "o", color="C0", alpha=0.5, ms=4)
    ax.plot(a, d["predicted"], "k-", label=f"theory N P(s_z < {eps})")
    ax.set_xscale("log")
    ax.set_xlabel("alpha_z (0 plotted at 0.5)")
    ax.set_ylabel(f"#{{|lambda| < {eps}}} / N")
    ax.set_title(f"pinching toward 0, N = {n}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


@check("spectral_frozen")
def check_spectral_frozen(ctx) -> list[CheckResult]:
    n = ctx.size(400, 1000)
    theta = 0.0
    d = frozen_data(BASE, theta, n, range(ctx.size(3, 5)))
    zf, f0e = d["zero_fraction"], d["f0_empirical"]
    k = zf.size
    se = np.sqrt(d["f0"] * (1 - d["f0"]) / n)
    # units with z within ~14/alpha of theta have 1e-6 < s_z < 1/2: not numerically zero
    band = float(2 * 14 / ALPHA_STEP / np.sqrt(2 * np.pi * d["branch"].q)) + 1.0 / n
    tol = 3 * se / np.sqrt(k) + band
    n_eff = (1 - d["f0"]) * n
    need = 1.0 - 0.01 * np.sqrt(1000.0 / n_eff)
    return [
        CheckResult(f"near-step update gate (alpha_z = {ALPHA_STEP:g}): #(|lambda| < {ZERO_TOL:g}) / N = f0",
                    d["f0"], float(np.mean(zf)), f"+-{tol:.3g}", abs(np.mean(zf) - d["f0"]) < tol,
                    f"Per network zero count / N {np.round(zf, 4).tolist()} vs the network's own fraction "
                    f"of z* < theta {np.round(f0e, 4).tolist()} (max gap {np.max(np.abs(zf - f0e)):.4f}). "
                    f"Tolerance: 3 binomial SE / sqrt({k}) + the transition band of width ~14/alpha_z."),
        CheckResult("near-step update gate: nonzero eigenvalues inside the reduced bulk "
                    "(1 - f0) F_hr(lambda)/|1 + lambda|^2 >= 1",
                    need, float(np.min(d["inside_reduced"])), f">= {need:.4f}",
                    float(np.min(d["inside_reduced"])) >= need,
                    f"Worst network; the 99% requirement at N = 1000 scaled with the N^-1/2 edge layer "
                    f"to the active subnetwork of (1 - f0) N = {n_eff:.0f} units. Units in the transition band give real eigenvalues in (-1, 0) outside the "
                    f"reduced bulk (counted as outside). F at each fixed point's own variances (as in "
                    f"spectral_bulk). Per network: {np.round(d['inside_reduced'], 4).tolist()}. theta_z = {theta}."),
    ]


@check("spectral_marginal")
def check_spectral_marginal(ctx) -> list[CheckResult]:
    n = ctx.size(300, 1000)
    # thresholds from f0 ~ 0 (reduced network = all units active) to f0 ~ 0.7
    thetas = (-2.0, -0.8, -0.5, -0.3, 0.0, 0.25)
    # F_hr(0) > 1 on the nonzero branches (Newton from random starts finds these fixed points at N ~ 300-1000)
    bases = (ModelParams.gated(2.4, alpha_r=1.0), ModelParams.gated(2.2, alpha_r=6.0))
    d = marginal_data(bases, thetas, n, range(ctx.size(4, 6)))
    rows = d["rows"]
    unstable = [r for r in rows if r["unstable_constant"]]
    # finite-size error of a bulk edge, measured independently at constant gates: max Re minus
    # the edge predicted from the network's own averages, in units of s_z
    err = np.array(sorted({(r["g_h"], r["alpha_r"], r["seed"]): r["edge_error_constant"] for r in rows}.values()))
    bias, band = float(np.mean(err)), float(3 * np.std(err, ddof=1))
    for r in rows:
        r["predicted_marginal"] = r["reduced_edge_network"] + bias < 0
        r["clear"] = abs(r["reduced_edge_network"] + bias) > band
    clear = [r for r in unstable if r["clear"]]
    agree_clear = [r["marginal"] == r["predicted_marginal"] for r in clear]
    agree_net = [r["marginal"] == (r["criterion_network"] < 1) for r in unstable]
    agree_th = [r["marginal"] == (r["criterion_theory"] < 1) for r in unstable]
    fig = ctx.figure_path("spectral_marginal.png")
    _plot_marginal(rows, fig)
    wrong = [r for r in unstable if r["marginal"] != (r["criterion_network"] < 1)]
    n_marg = sum(r["marginal"] for r in clear)
    return [
        CheckResult(f"marginal stability by near-step update gates iff (1 - f0) F_hr(0) < 1 (N={n})",
                    float(len(clear)), float(sum(agree_clear)), "all networks outside the finite-N band agree",
                    len(clear) > 0 and all(agree_clear),
                    f"{len(rows)} (network, theta_z) cases ((g_h, alpha_r) in {[(p.g_h, p.alpha_r) for p in bases]}, "
                    f"seeds, theta_z in "
                    f"{list(thetas)}); {len(unstable)} are unstable with constant gates. The criterion is evaluated per "
                    f"network as the reduced right edge x_N from its own fixed point (f0, <phi'^2>, ...; "
                    f"(1 - f0) F_hr(0) < 1 <=> x_N < 0). Finite-N error of a bulk edge, measured independently on "
                    f"the same {err.size} networks with constant gates (max Re - own predicted edge, / s_z): "
                    f"bias {bias:.4f}, 3 sd {band:.4f}. Theory column: unstable networks with "
                    f"|x_N + bias| > 3 sd ({len(clear)}, {n_marg} of them marginal); simulation column: how many "
                    f"of those are marginally stable (max Re of eigenvalues with |lambda| >= 1e-6 < 0) exactly "
                    f"when x_N + bias < 0. Without the finite-N band: plain criterion (1 - f0) F_hr(0) < 1 "
                    f"agrees for {sum(agree_net)}/{len(unstable)}, population (static MFT) criterion for "
                    f"{sum(agree_th)}/{len(unstable)}; plain disagreements: "
                    + ("; ".join(f"g={r['g_h']}, alpha_r={r['alpha_r']}, seed {r['seed']}: "
                                 f"c={r['criterion_network']:.3f}, "
                                 f"theta={r['theta']}, x_N={r['reduced_edge_network']:.3f}, "
                                 f"max Re={r['max_real_step']:.2e}"
                                 for r in wrong) or "none") + ".",
                    figure=fig.name),
    ]


def _plot_marginal(rows, path) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.5))
    for r in rows:
        ax.plot(r["criterion_network"], r["max_real_step"], "o" if r["unstable_constant"] else "x",
                color="C2" if r["marginal"] else "C3", ms=5)
    ax.axvline(1.0, color="k", lw=0.8)
    ax.axhline(0.0, color="k", lw=0.8)
    ax.set_xlabel("(1 - f0) F_hr(0) of the network's fixed point")
    ax.set_ylabel("max Re of nonzero eigenvalues (near-step z)")
    ax.set_title("gate-made marginal stability (green: marginal)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
