"""Phase diagrams: the theory-only diagram, the network sweep cost per point, executor speed-up.

Targets from issue 6: a theory-only phase diagram of 200 x 200 points (all lines) in under
2 minutes on 2 cores; report the simulation sweep cost per point and the speed-up of the
process-pool executor with 2 workers over 1.

Rows
----
- ``theory diagram``: theory.phase.theory_diagram_grid on the (g_h, alpha_r) plane (labels from
  nonzero static branches counted on the whole grid, g_instability per alpha_r, g_chaos where the
  DMFT has it, exact transitions lines at 9 alpha_r), 2 workers; reference = the 120 s budget
  (quick mode: 4 x the time of 100 x 100, an overestimate).
- ``exact lines``: theory.transitions per alpha_r (what theory.phase.theory_diagram does per
  column), timed at two alpha_r and extrapolated to 200 columns on 2 workers; reference = the grid
  diagram's time, so the ratio is the speed-up the grid method buys.
- ``network point``: theory.phase.network_point (N = 200, t_transient 50, t_run 60: QR lambda_max
  plus the small state) in this process, one BLAS thread; reference = the same network's plain
  RK4 integration over the same total time (the cost of the QR tangent and the second state).
- ``executor``: the same sweep of network points (theory.sweeps.run_sweep, a local process pool)
  with 2 workers vs 1; ratio = time(2) / time(1) (ideal 0.5 on an idle 2-core machine).

The machine is shared while these run: the numbers are noisy and say so in the notes.
"""

from __future__ import annotations

import os
import tempfile
import time

import numpy as np
from threadpoolctl import threadpool_limits

from theory import GatedNetwork, ModelParams
from theory.phase import LABELS, lines_point, network_point, theory_diagram_grid
from theory.simulation import integrate
from theory.sweeps import plan, run_sweep

from .registry import benchmark

BUDGET_MS = 120_000.0
FULL = 200
G_RANGE, ALPHA_RANGE = (0.5, 3.0), (0.0, 20.0)
POINT = dict(g_h=1.9, alpha_r=20.0, n=200, t_run=60.0, t_transient=50.0)


def _seconds(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _diagram(n: int, n_exact: int):
    g, a = np.linspace(*G_RANGE, n), np.linspace(*ALPHA_RANGE, n)
    t0 = time.perf_counter()
    ds = theory_diagram_grid("g_h-alpha_r", g, a, base=ModelParams.gated(1.0), n_exact=n_exact,
                             workers=2, dmft_onset="interpolated")
    return time.perf_counter() - t0, ds


def diagram_rows(quick: bool) -> list[dict]:
    """Full: the 200 x 200 diagram itself. Quick: 100 x 100 (3 exact lines), its time x 4 as the
    200 x 200 estimate (conservative: the exact lines and per-column work grow less than 4 x)."""
    if quick:
        n = FULL // 2
        sec, ds = _diagram(n, 3)
        full_sec = 4 * sec
    else:
        n = FULL
        sec, ds = _diagram(FULL, 9)
        full_sec = sec
    counts = {LABELS[int(v)]: int((ds["label"].values == v).sum()) for v in np.unique(ds["label"].values)}
    interp = ds.attrs.get("g_chaos_interpolation_error", float("nan"))
    per_col = [_seconds(lambda a_=a_: lines_point(alpha_r=a_, beta_r=0.0)) for a_ in (5.0, 20.0)]  # with g_chaos
    exact_sec = float(np.mean(per_col)) * FULL / 2
    load = os.getloadavg()[0]
    return [
        {"size": f"{FULL} x {FULL} (g_h, alpha_r)", "time": 1e3 * full_sec, "reference": BUDGET_MS,
         "ratio": 1e3 * full_sec / BUDGET_MS, "target": "<= 1",
         "note": (f"theory_diagram_grid, 2 workers, 9 exact transitions lines (with the DMFT onset "
                  f"g_chaos, PCHIP in alpha_r between them: leave-one-out error {interp:.3g}), g_h in {G_RANGE}, "
                  f"alpha_r in {ALPHA_RANGE}; reference = the 120 s budget; "
                  + (f"EXTRAPOLATED: 4 x the {n} x {n} time ({sec:.1f} s, 3 exact lines, labels "
                     f"{counts}), an overestimate; " if quick else f"labels {counts}; ")
                  + f"1-min load {load:.1f} on 2 cores (shared machine, noisy)")},
        {"size": f"{FULL} alpha_r columns", "time": 1e3 * exact_sec, "reference": 1e3 * full_sec,
         "ratio": exact_sec / full_sec, "target": "",
         "note": (f"theory.transitions per alpha_r (theory_diagram's exact path): "
                  f"{per_col[0]:.2f} s (alpha_r=5), {per_col[1]:.2f} s (alpha_r=20) per column, x 200 "
                  f"columns / 2 workers (extrapolated); reference = the grid diagram at 200 x 200"
                  + (" (extrapolated)" if quick else "") + "; ratio = speed-up of the grid method")},
    ]


def point_rows(repeats: int) -> list[dict]:
    p = ModelParams.gated(POINT["g_h"], alpha_r=POINT["alpha_r"])
    net = GatedNetwork(p, POINT["n"], seed=1)
    total = POINT["t_run"] + POINT["t_transient"]
    t_point = min(_seconds(lambda: network_point(**POINT, seed=1)) for _ in range(repeats))
    t_plain = min(_seconds(lambda: integrate(net, net.initial_state(1.0), total, 0.05))
                  for _ in range(repeats))
    return [{"size": f"N={POINT['n']}, t={total:g}", "time": 1e3 * t_point, "reference": 1e3 * t_plain,
             "ratio": t_point / t_plain, "target": "",
             "note": (f"network_point (g_h=1.9, alpha_r=20: QR lambda_max k=1 from a large state + "
                      f"a small state), one process, one BLAS thread, best of {repeats}; reference = "
                      f"plain RK4 integration of one state over the same time; shared machine, noisy")}]


def executor_rows(n_points: int) -> list[dict]:
    pts = plan(network_point, [dict(POINT, t_run=30.0) for _ in range(n_points)])
    times = {}
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as tmp:
            times[workers] = _seconds(lambda: run_sweep(network_point, pts, tmp, workers=workers,
                                                        progress=False))
    return [{"size": f"{n_points} points", "time": 1e3 * times[2], "reference": 1e3 * times[1],
             "ratio": times[2] / times[1], "target": "",
             "note": (f"run_sweep of network_point (N=200, t_transient 50, t_run 30) on a local "
                      f"process pool: 2 workers vs 1 (ideal 0.5 on an idle 2-core machine; speed-up "
                      f"{times[1] / times[2]:.2f}x here, with other jobs sharing the cores); includes "
                      f"pool start-up and atomic JSON writes; 1-min load {os.getloadavg()[0]:.1f}")}]


@benchmark("phase")
def phase(quick: bool) -> list[dict]:
    """Theory diagram 200 x 200 (target < 2 min on 2 cores), sweep cost per point, pool speed-up."""
    with threadpool_limits(limits=1):
        rows = diagram_rows(quick)
        rows += point_rows(1 if quick else 3)
        rows += executor_rows(4 if quick else 8)
    return rows
