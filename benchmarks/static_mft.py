"""Static mean-field solves: one parameter point, and a (g_h, alpha_r) grid.

Targets from issue 4: a static solve (all branches, stability) per parameter point in under
10 ms, and a 200 x 200 (g_h, alpha_r) grid of static solutions in under a minute, on one core.
The reference column is the time budget itself, so ``ratio`` <= 1 means the target is met.
The grid is solved by ``theory.static_mft.solve_static_grid`` (vectorised over parameter points,
chunked); quick mode uses a 40 x 40 grid and reports the extrapolated 200 x 200 time in the note.
"""

from __future__ import annotations

import time

import numpy as np
from threadpoolctl import threadpool_limits

from theory import ModelParams
from theory.static_mft import solve_static, solve_static_grid

from .registry import benchmark
from .timing import compare

POINT_BUDGET_MS = 10.0
GRID_BUDGET_MS = 60_000.0
#: (label, params) of the single-point solves.
POINTS = (
    ("alpha_r=0, g_h=3 (zero + 1 branch)", dict(g_h=3.0)),
    ("alpha_r=20, g_h=1.8 (zero + 2 branches)", dict(g_h=1.8, alpha_r=20.0)),
    ("beta_h=0.5, alpha_r=2, g_h=2 (1 branch)", dict(g_h=2.0, alpha_r=2.0, beta_h=0.5)),
)
GRID_FULL, GRID_QUICK = 200, 40
G_RANGE, ALPHA_RANGE = (0.5, 4.0), (0.0, 20.0)


def point_rows(repeats: int) -> list[dict]:
    rows = []
    for label, kw in POINTS:
        p = ModelParams.gated(**kw)
        t = compare({"solve": lambda p=p: solve_static(p)}, repeats=repeats, min_sample=0.05)["solve"]
        n = len(solve_static(p).branches)
        rows.append({"size": label, "time": t.best_ms, "reference": POINT_BUDGET_MS,
                     "ratio": t.best_ms / POINT_BUDGET_MS, "target": "<= 1",
                     "note": f"solve_static, {n} branches with stability; reference = 10 ms budget; "
                             f"median {t.median_ms:.3g} ms"})
    return rows


def grid_row(n: int) -> dict:
    g = np.linspace(*G_RANGE, n)[:, None]
    a = np.linspace(*ALPHA_RANGE, n)[None, :]
    t0 = time.perf_counter()
    grid = solve_static_grid(ModelParams.gated(1.0), g_h=g, alpha_r=a)
    ms = 1e3 * (time.perf_counter() - t0)
    scale = (GRID_FULL / n) ** 2
    return {"size": f"{n} x {n} (g_h, alpha_r) grid", "time": ms, "reference": GRID_BUDGET_MS / scale,
            "ratio": ms * scale / GRID_BUDGET_MS, "target": "<= 1",
            "note": (f"solve_static_grid, g_h in {G_RANGE}, alpha_r in {ALPHA_RANGE}; "
                     f"{int(grid.n_branches.sum())} nonzero roots, max residual {grid.tolerance:.1e}; "
                     f"reference = 60 s budget scaled to this grid ({scale:g} x fewer points); "
                     f"{ms / n**2:.3g} ms per point (phase-diagram cost per point); "
                     f"{ms * scale / 1e3:.1f} s for 200 x 200" + (" (extrapolated)" if n != GRID_FULL else ""))}


@benchmark("static_mft")
def static_mft(quick: bool) -> list[dict]:
    """Static solve per point (target < 10 ms) and a 200 x 200 grid (target < 60 s), one thread."""
    with threadpool_limits(limits=1):
        return point_rows(3 if quick else 7) + [grid_row(GRID_QUICK if quick else GRID_FULL)]
