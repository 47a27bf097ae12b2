"""Phase diagrams: theory lines and labels on a parameter plane, and network sweep points.

Planes (THEORY.md section 7):

* ``g_h-alpha_r`` (at fixed beta_r): per alpha_r the critical gains of theory.transitions;
  a point (g_h, alpha_r) is labelled

  - ``stable``: g_h < g_topological, the quiescent state is the only fixed point;
  - ``fixed_points``: g_topological <= g_h < g_instability and g_h < g_chaos: the quiescent state
    is stable, unstable nonzero fixed points exist, no chaotic attractor;
  - ``bistable``: g_chaos <= g_h < g_instability: quiescent state and chaotic attractor coexist;
  - ``chaotic``: g_h >= max(g_instability, g_chaos);
  - ``undetermined``: g_h >= g_topological where g_chaos is not known (both gates fluctuating:
    alpha_z > 0 and alpha_r > 0, theory.transitions.chaos_onset_line), so the theory cannot tell
    chaos from fixed points.

  g_chaos comes from theory.transitions.chaos_onset_line: constant gates and alpha_r = 0 give
  g_h s_r = 1; alpha_z = 0, alpha_r > 0 the fold of the deterministic output-gate DMFT
  (theory.dmft_output_gate, ~10-30 s per alpha_r, cached).

* ``g_h-alpha_z`` (at fixed beta_z, alpha_r, beta_r): the update gate does not move fixed points
  (static theory), so the lines above are vertical; in addition, in the hard-gate limit a nonzero
  fixed point with F_hr(0) > 1 is ``marginally_stable`` when (1 - f0) F_hr(0) < 1,
  f0 = P(z* < beta_z / alpha_z) (theory.spectral_curve.marginal_stability). This label uses the
  hard-gate criterion at threshold beta_z / alpha_z for every alpha_z > 0; at finite alpha_z it
  describes the limit, not the finite-slope spectrum (whose pinched edge approaches 0).

Large grids: :func:`theory_diagram_grid` gives the same labels (to the g_h resolution of the
grid) without bisecting g_topological per alpha_r: it counts nonzero static branches at every
grid point with the vectorised theory.static_mft.solve_static_grid, and computes the exact
transitions lines only at a few alpha_r (tests/test_phase.py checks the agreement).

Network points (:func:`network_point`, run through theory.sweeps): leading Lyapunov exponent
from a large initial state, and whether a small initial state decays; labelled ``chaotic``
(lambda_max > 3 standard errors), ``bistable`` (that, and the small state decays), ``stable``
(not chaotic, small state decays) or ``fixed_points`` (neither).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
import numpy as np

from .lyapunov import lyapunov_spectrum
from .network import GatedNetwork
from .params import ModelParams
from .simulation import integrate

PLANES = ("g_h-alpha_r", "g_h-alpha_z")
LABELS = ("stable", "fixed_points", "bistable", "chaotic", "marginally_stable", "undetermined")
#: Initial scale of the "small" state (h ~ N(0, SMALL^2)); it has decayed when its mean h^2 ends
#: below the initial SMALL^2 (a linearly unstable quiescent state grows instead, even slowly).
SMALL = 1e-3
DECAYED = SMALL**2


def _axis(name: str, values) -> np.ndarray:
    a = np.asarray(values, dtype=float)
    if a.ndim != 1 or a.size < 1 or not np.all(np.isfinite(a)):
        raise ValueError(f"axis {name} must be a non-empty 1-d list of finite numbers")
    if np.any(np.diff(a) <= 0):
        raise ValueError(f"axis {name} must be strictly increasing")
    if name in ("g_h", "alpha_r", "alpha_z") and a[0] < 0:
        raise ValueError(f"axis {name} must be >= 0, got min {a[0]}")
    return a


def parse_axis(name: str, text: str) -> np.ndarray:
    """``start:stop:count`` (inclusive linspace) or a comma list, validated."""
    try:
        if ":" in text:
            start, stop, count = text.split(":")
            count = int(count)
            if count < 1:
                raise ValueError
            values = np.linspace(float(start), float(stop), count)
        else:
            values = [float(v) for v in text.split(",")]
    except ValueError:
        raise ValueError(f"--{name.replace('_', '-')} must be start:stop:count or a comma list, "
                         f"got {text!r}") from None
    return _axis(name, values)


def lines_point(*, alpha_r: float, beta_r: float, seed: int = 0, dmft_onset: bool = True) -> dict:
    """theory.transitions for one output gate (a sweep function; ``seed`` unused)."""
    from .transitions import transitions

    t = transitions(ModelParams.gated(1.0, alpha_r=alpha_r, beta_r=beta_r), dmft_onset=dmft_onset)
    nan = math.nan
    return {"g_instability": nan if t.g_instability is None else t.g_instability,
            "g_topological": nan if t.g_topological is None else t.g_topological,
            "g_chaos": nan if t.g_chaos is None else t.g_chaos,
            "discontinuous": None if t.discontinuous is None else bool(t.discontinuous)}


def label_gains(g: np.ndarray, g_inst: float, g_top: float, g_chaos: float,
                has_fixed_points: np.ndarray | None = None) -> np.ndarray:
    """Label index (into LABELS) of each gain g for one set of critical gains (module Notes).

    ``has_fixed_points`` (bool per gain), when given, replaces the test g >= g_top: whether
    nonzero fixed points exist there (e.g. counted by theory.static_mft.solve_static_grid).
    """
    g = np.asarray(g, float)
    above = g >= g_top if has_fixed_points is None else (np.asarray(has_fixed_points, bool) | (g >= g_inst))
    out = np.full(g.shape, LABELS.index("undetermined"))
    out[~above] = LABELS.index("stable")
    if math.isfinite(g_chaos):
        out[above & (g < g_inst) & (g < g_chaos)] = LABELS.index("fixed_points")
        out[above & (g < g_inst) & (g >= g_chaos)] = LABELS.index("bistable")
        out[above & (g >= max(g_inst, g_chaos))] = LABELS.index("chaotic")
    return out


def marginal_mask(g: np.ndarray, alpha_z: np.ndarray, base: ModelParams) -> np.ndarray:
    """(len(g), len(alpha_z)) mask of the hard-gate marginal stability of the largest nonzero
    branch: F_hr(0) > 1 > (1 - f0) F_hr(0), f0 at threshold beta_z / alpha_z (module Notes)."""
    from .spectral_curve import f_hr0, frozen_fraction
    from .static_mft import solve_static

    out = np.zeros((g.size, alpha_z.size), bool)
    for i, gi in enumerate(g):
        p = base.replace(g_h=float(gi))
        nonzero = solve_static(p).nonzero
        if not nonzero:
            continue
        b = nonzero[-1]
        F0 = f_hr0(p, b)
        if F0 <= 1:
            continue
        for j, a in enumerate(alpha_z):
            if a > 0:
                out[i, j] = (1 - frozen_fraction(p, b, base.beta_z / a)) * F0 < 1
    return out


def network_point(*, g_h: float, alpha_r: float = 0.0, beta_r: float = 0.0, alpha_z: float = 0.0,
                  beta_z: float = 0.0, I_h: float = 0.0, I_r: float = 0.0, model: str = "gated",
                  n: int = 200, t_run: float = 100.0, t_transient: float = 50.0, dt: float = 0.05,
                  seed: int = 0) -> dict:
    """One network sweep point: lambda_max from a large initial state, decay of a small one.

    Notes
    -----
    lambda_max: QR estimate (k = 1) after ``t_transient`` from h ~ N(0, 1), over ``t_run`` in 5
    blocks (its standard error from the blocks); constant inputs I_h, I_r (``model`` "gated" or
    "additive", which ignores the gate arguments). The small state h ~ N(0, SMALL^2) is integrated
    for t_transient + t_run; it has decayed when mean h^2 < DECAYED = SMALL^2, its initial value
    (linear stability of the quiescent state over that time).
    """
    if model == "additive":
        params = ModelParams.additive(g_h, I_h=I_h)
    else:
        params = ModelParams.gated(g_h, alpha_r=alpha_r, beta_r=beta_r, alpha_z=alpha_z,
                                   beta_z=beta_z, I_h=I_h, I_r=I_r)
    net = GatedNetwork(params, n, seed=seed)
    big = lyapunov_spectrum(net, 1, dt=dt, t_transient=t_transient, t_frame_transient=10.0,
                            t_run=t_run, n_blocks=5, y0=net.initial_state(1.0))
    small = integrate(net, net.initial_state(SMALL), t_transient + t_run, dt)
    lam, se = float(big.lambda_max), float(big.lambda_max_stderr)
    chaotic = lam > 3 * se and lam > 0
    decays = float(np.mean(small[0] ** 2)) < DECAYED
    label = ("bistable" if decays else "chaotic") if chaotic else ("stable" if decays else "fixed_points")
    return {"lambda_max": lam, "lambda_max_stderr": se, "mean_h2_large": float(np.mean(big.state[0] ** 2)),
            "mean_h2_small": float(np.mean(small[0] ** 2)), "label": label}


def theory_diagram(plane: str, g: Sequence[float], second: Sequence[float], *, base: ModelParams,
                   out, executor=None, workers: int = 2, progress=None, dmft_onset: bool = True):
    """Theory labels and lines on ``plane`` as an xarray Dataset (lines computed by a resumable
    sweep stored under ``out``/lines). ``dmft_onset=False``: no output-gate DMFT onset (see
    :func:`theory_diagram_grid`)."""
    import xarray as xr

    from .sweeps import plan, run_sweep

    if plane not in PLANES:
        raise ValueError(f"plane must be one of {PLANES}, got {plane!r}")
    g = _axis("g_h", g)
    name = plane.split("-")[1]
    second = _axis(name, second)
    if plane == "g_h-alpha_r":
        pts = [{"alpha_r": float(a), "beta_r": base.beta_r} for a in second]
    else:
        pts = [{"alpha_r": base.alpha_r, "beta_r": base.beta_r}]
    if not dmft_onset:
        pts = [p | {"dmft_onset": False} for p in pts]
    res = run_sweep(lines_point, plan(lines_point, pts), f"{out}/lines", executor=executor,
                    workers=workers, progress=progress, desc="theory lines")
    if res.failed:
        raise RuntimeError("theory lines failed: " + "; ".join(res.errors))
    rows = [r["result"] for r in res.records]

    def col(key):
        return np.array([np.nan if r[key] is None else r[key] for r in rows], float)

    keys = ("g_instability", "g_topological", "g_chaos")
    lines = {k: col(k) for k in keys}
    if plane == "g_h-alpha_z":
        lines = {k: np.repeat(v, second.size) for k, v in lines.items()}
    labels = np.stack([label_gains(g, lines["g_instability"][j], lines["g_topological"][j],
                                   lines["g_chaos"][j]) for j in range(second.size)], axis=1)
    if plane == "g_h-alpha_z":
        marginal = marginal_mask(g, second, base)
        labels = np.where(marginal, LABELS.index("marginally_stable"), labels)
    ds = xr.Dataset(
        {"label": (("g_h", name), labels.astype(np.int8),
                   {"flag_values": list(range(len(LABELS))), "flag_meanings": " ".join(LABELS)})}
        | {k: ((name,), v) for k, v in lines.items()},
        coords={"g_h": g, name: second},
        attrs={"plane": plane, "labels": " ".join(LABELS)},
    )
    return ds


def fixed_point_counts(base: ModelParams, g: Sequence[float], alpha_r: Sequence[float],
                       chunk: int = 512) -> np.ndarray:
    """Number of nonzero static roots at every (g_h, alpha_r), shape (len(g), len(alpha_r)).

    Notes
    -----
    The bracketing scan of theory.static_mft.solve_static_grid (sign changes of the root function
    of D_h = <phi^2><sigma_r^2> on its D_h grid, refined at its critical points so that close pairs
    of roots are not missed), vectorised over the parameter grid, without polishing the roots:
    only whether and how many roots exist is needed for the labels. A module-level function, so
    that a process pool can run column chunks.
    """
    from .static_mft import SCAN_TOL, _Reduced, _scan, default_grid

    g, a = np.asarray(g, float), np.asarray(alpha_r, float)
    red = _Reduced(base, {"g_h": g[:, None], "alpha_r": a[None, :]})
    P = g.size * a.size
    flat = red.gather(np.arange(P))
    grid = default_grid(64)
    counts = np.zeros(P, dtype=int)
    for s0 in range(0, P, chunk):
        sub = flat.gather(np.arange(s0, min(P, s0 + chunk)))
        idx = _scan(sub, np.asarray(sub.zero_fixed_point()), grid, SCAN_TOL)[0]
        counts[s0:s0 + chunk] = np.bincount(idx, minlength=min(P, s0 + chunk) - s0)
    return counts.reshape(g.size, a.size)


def theory_diagram_grid(plane: str, g: Sequence[float], second: Sequence[float], *,
                        base: ModelParams, n_exact: int = 9, executor=None, workers: int = 2,
                        dmft_onset: bool | str = False):
    """Fast theory diagram for large grids; same labels as :func:`theory_diagram` up to the grid
    resolution in g_h.

    Parameters
    ----------
    n_exact : int
        Number of second-axis values (evenly picked, ends included) at which the exact
        theory.transitions lines are also computed (variables ``*_exact`` on the ``<axis>_exact``
        coordinate); 0 for none.
    executor : concurrent.futures Executor, optional
        Runs column chunks of the static grid; default a local process pool of ``workers``
        (``workers=1``: in this process).

    Notes
    -----
    Plane ``g_h-alpha_r``: whether nonzero fixed points exist at (g_h, alpha_r) is read from the
    number of nonzero roots of D_h = <phi^2><sigma_r^2> found by the vectorised static solver
    (instead of bisecting g_topological per alpha_r): g >= g_topological <=> a nonzero root exists
    or g >= g_instability. g_instability (root of F(0) = 1 at D = 0) is exact per alpha_r and
    g_chaos is the DMFT onset where available (theory.transitions.chaos_onset_line), NaN elsewhere. The variable
    ``g_topological`` is then the first grid gain with fixed points (resolution: the g_h step).
    ``dmft_onset=True`` adds the output-gate DMFT onset g_chaos for alpha_r > 0 (alpha_z = 0;
    10-30 s per alpha_r, :func:`theory.transitions.chaos_onset_line`); by default those columns
    keep g_chaos = NaN (``undetermined`` above g_topological), as the fast diagram is meant for
    large grids. ``dmft_onset="interpolated"`` computes the onset only at the ``n_exact`` picked
    columns and interpolates g_chaos in alpha_r between them (shape-preserving PCHIP); its
    accuracy is measured by leaving each interior picked column out in turn, and the largest
    such deviation is stored as the attribute ``g_chaos_interpolation_error`` (labels within that
    distance of the line are uncertain).
    Plane ``g_h-alpha_z``: the lines do not depend on alpha_z (one exact transitions call);
    labels as in :func:`theory_diagram` with the marginal region of :func:`marginal_mask`.
    """
    import xarray as xr
    from concurrent.futures import ProcessPoolExecutor

    from .transitions import chaos_onset_line, g_instability

    if plane not in PLANES:
        raise ValueError(f"plane must be one of {PLANES}, got {plane!r}")
    if not isinstance(n_exact, int | np.integer) or n_exact < 0:
        raise ValueError(f"n_exact must be an integer >= 0, got {n_exact!r}")
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    if dmft_onset not in (False, True, "interpolated"):
        raise ValueError(f"dmft_onset must be False, True or 'interpolated', got {dmft_onset!r}")
    interpolated = dmft_onset == "interpolated"
    if interpolated and n_exact < 3:
        raise ValueError(f"dmft_onset='interpolated' needs n_exact >= 3 columns, got {n_exact}")
    g = _axis("g_h", g)
    name = plane.split("-")[1]
    second = _axis(name, second)
    keys = ("g_instability", "g_topological", "g_chaos")
    if plane == "g_h-alpha_r":
        params = [base.replace(alpha_r=float(a)) for a in second]
        # at D = 0 the output gate sees alpha_r I_r - beta_r: without an input I_r the root of
        # F(0) = 1 is the same for every alpha_r
        no_input = not callable(base.I_r) and np.ndim(base.I_r) == 0 and float(base.I_r) == 0.0
        if no_input:
            g_inst = np.full(second.size, np.nan if (v := g_instability(base)) is None else v)
        else:
            g_inst = np.array([np.nan if (v := g_instability(p)) is None else v for p in params])
        g_chaos = np.full(second.size, np.nan)
        for j, p in enumerate(params):
            wanted = dmft_onset is True or (p.alpha_r == 0 or p.alpha_z != 0)
            value = chaos_onset_line(p)[0] if wanted and not math.isnan(g_inst[j]) else None
            if value is not None:
                g_chaos[j] = value
        chunks = [c for c in np.array_split(second, min(workers, second.size)) if c.size]
        pick = np.unique(np.round(np.linspace(0, second.size - 1, min(n_exact, second.size))).astype(int)) \
            if n_exact > 0 else np.array([], int)
        own = executor is None and workers > 1
        ex = ProcessPoolExecutor(max_workers=workers) if own else executor
        try:
            if ex is None:
                parts = [fixed_point_counts(base, g, c) for c in chunks]
                exact = [lines_point(alpha_r=float(second[j]), beta_r=base.beta_r, dmft_onset=bool(dmft_onset))
                         for j in pick]
            else:  # exact lines first: they are the long single-point jobs
                fut_exact = [ex.submit(lines_point, alpha_r=float(second[j]), beta_r=base.beta_r,
                                       dmft_onset=bool(dmft_onset))
                             for j in pick]
                fut_parts = [ex.submit(fixed_point_counts, base, g, c) for c in chunks]
                parts = [f.result() for f in fut_parts]
                exact = [f.result() for f in fut_exact]
        finally:
            if own:
                ex.shutdown()
        has_fp = np.concatenate(parts, axis=1) > 0
        interp_error = None
        if interpolated:
            g_chaos, interp_error = _interpolate_onset(second, pick, [r["g_chaos"] for r in exact], g_chaos)
        labels = np.stack([label_gains(g, g_inst[j], np.nan, g_chaos[j], has_fp[:, j])
                           for j in range(second.size)], axis=1)
        with_fp = has_fp | (g[:, None] >= g_inst[None, :])
        first = np.where(with_fp.any(axis=0), np.argmax(with_fp, axis=0), -1)
        lines = {"g_instability": g_inst, "g_topological": np.where(first >= 0, g[first], np.nan),
                 "g_chaos": g_chaos}
    else:
        pick = np.array([], int)
        row = lines_point(alpha_r=base.alpha_r, beta_r=base.beta_r, dmft_onset=dmft_onset)
        lines = {k: np.full(second.size, row[k]) for k in keys}
        labels = np.repeat(label_gains(g, row["g_instability"], row["g_topological"],
                                       row["g_chaos"])[:, None], second.size, axis=1)
        labels = np.where(marginal_mask(g, second, base), LABELS.index("marginally_stable"), labels)
    ds = xr.Dataset(
        {"label": (("g_h", name), labels.astype(np.int8),
                   {"flag_values": list(range(len(LABELS))), "flag_meanings": " ".join(LABELS)})}
        | {k: ((name,), v) for k, v in lines.items()},
        coords={"g_h": g, name: second},
        attrs={"plane": plane, "labels": " ".join(LABELS), "method": "grid"},
    )
    if plane == "g_h-alpha_r" and interpolated:
        ds.attrs["g_chaos_interpolation_error"] = interp_error
    if plane == "g_h-alpha_r" and pick.size:
        ds = ds.assign_coords({f"{name}_exact": second[pick]})
        for k in keys:
            ds[f"{k}_exact"] = ((f"{name}_exact",), np.array([r[k] for r in exact], float))
    return ds


def _interpolate_onset(x: np.ndarray, pick: np.ndarray, exact, known: np.ndarray):
    """g_chaos on every column from the exact onsets at columns ``pick`` (PCHIP in x), keeping the
    values already ``known`` (not NaN); returns (g_chaos, leave-one-out error).

    Notes
    -----
    The error is max |PCHIP without column k (at x_k) - exact(x_k)| over interior picked columns
    with a finite onset (NaN when fewer than three are finite).
    """
    from scipy.interpolate import PchipInterpolator

    xs, ys = x[pick], np.asarray(exact, float)
    ok = np.isfinite(ys)
    xs, ys = xs[ok], ys[ok]
    out = known.copy()
    if xs.size < 2:
        return out, math.nan
    inside = (x >= xs[0]) & (x <= xs[-1]) & np.isnan(out)
    out[inside] = PchipInterpolator(xs, ys)(x[inside])
    errors = [abs(float(PchipInterpolator(np.delete(xs, k), np.delete(ys, k))(xs[k])) - ys[k])
              for k in range(1, xs.size - 1)]
    return out, (max(errors) if errors else math.nan)


def network_diagram(plane: str, g: Sequence[float], second: Sequence[float], *, base: ModelParams,
                    n: int, seeds: int, t_run: float, out, executor=None, workers: int = 2,
                    progress=None, base_seed: int = 0):
    """Network sweep (:func:`network_point` per (g_h, second axis, repeat)) as an xarray Dataset
    with lambda_max, its standard error, mean h^2 of both initial states and the label; points
    are stored under ``out``/networks and a rerun resumes. Failed points are NaN / ``error``."""
    import xarray as xr

    from .sweeps import plan, run_sweep

    if plane not in PLANES:
        raise ValueError(f"plane must be one of {PLANES}, got {plane!r}")
    g = _axis("g_h", g)
    name = plane.split("-")[1]
    second = _axis(name, second)
    if n < 2 or seeds < 1:
        raise ValueError(f"need n >= 2 and seeds >= 1, got n={n}, seeds={seeds}")
    fixed = {"alpha_r": base.alpha_r, "beta_r": base.beta_r, "alpha_z": base.alpha_z,
             "beta_z": base.beta_z, "n": int(n), "t_run": float(t_run)}
    grid = [(i, j, k) for i in range(g.size) for j in range(second.size) for k in range(seeds)]
    pts = [fixed | {"g_h": float(g[i]), name: float(second[j]), "repeat": k} for i, j, k in grid]
    res = run_sweep(_network_point_repeat, plan(_network_point_repeat, pts, base_seed),
                    f"{out}/networks", executor=executor, workers=workers, progress=progress,
                    desc="network points")
    shape = (g.size, second.size, seeds)
    data = {k: np.full(shape, np.nan) for k in ("lambda_max", "lambda_max_stderr", "mean_h2_large",
                                                 "mean_h2_small")}
    label = np.full(shape, "error", dtype=object)
    for (i, j, k), rec in zip(grid, res.records):
        if rec["status"] == "ok":
            for key in data:
                data[key][i, j, k] = np.nan if rec["result"][key] is None else rec["result"][key]
            label[i, j, k] = rec["result"]["label"]
    dims = ("g_h", name, "repeat")
    ds = xr.Dataset({k: (dims, v) for k, v in data.items()}
                    | {"label": (dims, label.astype(str))},
                    coords={"g_h": g, name: second, "repeat": np.arange(seeds)},
                    attrs={"plane": plane, "n": int(n), "t_run": float(t_run),
                           "failed_points": res.failed})
    return ds, res


def _network_point_repeat(*, repeat: int, **kwargs) -> dict:
    """:func:`network_point` with a ``repeat`` index (independent networks at one grid point)."""
    return network_point(**kwargs)


_COLORS = ("#d9ead3", "#fff2cc", "#f4cccc", "#cc4125", "#9fc5e8", "#eeeeee")


def plot_phase(theory_ds, network_ds=None, path="phase.png", ax=None):
    """Theory labels as coloured regions with the critical lines, network labels as markers.

    With ``ax`` given, draws into it and returns it (no file); otherwise saves ``path``. Exact
    lines of :func:`theory_diagram_grid` (``*_exact``) are drawn as markers on their lines.
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    name = theory_ds.attrs["plane"].split("-")[1]
    g, a = theory_ds["g_h"].values, theory_ds[name].values
    own = ax is None
    if own:
        fig, ax = plt.subplots(figsize=(6.5, 4.5))
    ax.pcolormesh(g, a, theory_ds["label"].values.T, cmap=ListedColormap(_COLORS), vmin=-0.5,
                  vmax=len(LABELS) - 0.5, shading="nearest")
    for key, style in (("g_instability", "k-"), ("g_topological", "g--"), ("g_chaos", "r:")):
        ax.plot(theory_ds[key].values, a, style, lw=1.5, label=key)
        if f"{key}_exact" in theory_ds:
            ax.plot(theory_ds[f"{key}_exact"].values, theory_ds[f"{name}_exact"].values,
                    style[0] + ".", ms=5)
    handles = [Patch(color=c, label=lab) for c, lab in zip(_COLORS, LABELS)]
    if network_ds is not None:
        marks = {"stable": "o", "fixed_points": "s", "bistable": "D", "chaotic": "^", "error": "x"}
        lab = network_ds["label"].values
        gn, an = network_ds["g_h"].values, network_ds[name].values
        for text, m in marks.items():
            share = (lab == text).mean(axis=2)
            i, j = np.nonzero(share > 0)
            if i.size:
                ax.scatter(gn[i], an[j], marker=m, s=30, facecolors="none", edgecolors="k", lw=0.9,
                           label=f"networks: {text}")
    ax.set_xlabel("g_h")
    ax.set_ylabel(name)
    ax.set_title(f"phase diagram ({theory_ds.attrs['plane']})")
    leg1 = ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.add_artist(leg1)
    ax.legend(fontsize=7, loc="lower left", bbox_to_anchor=(1.01, 0.0))
    if not own:
        return ax
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


__all__ = ["PLANES", "LABELS", "parse_axis", "lines_point", "label_gains", "marginal_mask",
           "network_point", "theory_diagram", "theory_diagram_grid", "fixed_point_counts",
           "network_diagram", "plot_phase"]
