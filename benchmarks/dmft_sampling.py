"""Sampling DMFT (fluctuating gates): time to 1% on delta_h, and what a simulation needs to match.

Target from issue 5: the general alpha_z solver to 1% accuracy on delta_h in under 60 s per
parameter point on 2 cores. The time column is the measured solve CPU time (one thread; the
wall time on a shared machine is longer by the share other processes take) scaled to 1% relative
chain standard error on delta_h (x (stderr / 1%)^2 when above 1%, since the error falls as
1 / sqrt(paths) at a cost linear in them); the reference is the 60 s budget. One thread.

The second row measures, at the same point, networks of size N (2 seeds, T = 200 after a
transient of 100): the time per run and the relative deviation of the time-averaged population
<h^2> from the DMFT delta_h, with its seed error. Timings on the shared 2-core machine are noisy.
"""

from __future__ import annotations

import math
import time

import numpy as np
from threadpoolctl import threadpool_limits

from theory import GatedNetwork, ModelParams, simulate
from theory.dmft_sampling import solve_dmft_sampling

from .registry import benchmark

BUDGET_MS = 60_000.0
POINT = ModelParams.gated(4.0, alpha_z=2.0)
#: Settings: the solver defaults except dt = 0.2, 64 paths per chain and 24 averaged iterations.
#: Measured (g_h = 4, alpha_z = 2, seed 0, one run each, process CPU time projected to 1% on delta_h;
#: the chain stderr of 8 chains is itself uncertain by about 25%, so each projection by about 50%):
#: defaults with dt 0.2 (128 x 8, n_average 8): 16.8 s at 1.36% -> 31 s; the same with trend_window
#: 20: 14.2 s at 0.78% -> 14 s (but 10-20 iterations can stop before the slow mode has settled,
#: see theory.dmft_sampling); 64 x 8 with n_average 24: 16.1 s at 0.87% -> 16 s; dt 0.05: 79 s at
#: 1.49% -> 176 s. delta_h did not depend on dt (0.05: 0.1203(18), 0.1: 0.1195(8), 0.2: 0.1213(16)).
#: Last session's 62.5 s was wall time on the loaded machine, not CPU time.
SETTINGS = dict(n_paths=64, n_chains=8, dt=0.2, n_average=24, seed=0)


@benchmark("dmft_sampling")
def run(quick: bool) -> list[dict]:
    rows = []
    with threadpool_limits(1):
        t0, c0 = time.perf_counter(), time.process_time()
        r = solve_dmft_sampling(POINT, **SETTINGS)
        wall = 1e3 * (time.perf_counter() - t0)
        # one thread: the process CPU time is what an idle core would take; the wall time on the
        # shared machine is longer by the share taken by other processes
        measured = 1e3 * (time.process_time() - c0)
        rel = r.delta_h_stderr / r.delta_h
        # time to reach 1%: the error falls as 1 / sqrt(paths) and the cost grows linearly with them
        ms = measured * max(1.0, (rel / 0.01) ** 2)
        rows.append({"size": "g_h=4, alpha_z=2: " + ", ".join(f"{k}={v}" for k, v in SETTINGS.items()),
                     "time": ms, "reference": BUDGET_MS, "ratio": ms / BUDGET_MS, "target": "<= 1",
                     "note": f"time to 1% on delta_h = measured CPU time {measured / 1e3:.1f} s (wall "
                             f"{wall / 1e3:.1f} s "
                             f"on the shared machine) x max(1, (stderr / "
                             f"1%)^2); solve_dmft_sampling: delta_h = {r.delta_h:.5f} +- {r.delta_h_stderr:.5f} "
                             f"(relative {100 * rel:.2f}%), tau_relax = {r.tau_relax:.2f} "
                             f"+- {r.tau_relax_stderr:.2f}, {r.n_iter} iterations, window "
                             f"{r.settings['window']:g}; reference = 60 s budget; one thread"})
        for n in ((500,) if quick else (500, 1000, 2000)):
            h2, times = [], []
            for seed in range(2):
                t0 = time.process_time()
                tr = simulate(GatedNetwork(POINT, n, seed=seed), 200.0, 0.1, t_transient=100.0,
                              record_every=5, record_units=0, progress=False)
                times.append(time.process_time() - t0)
                h2.append(float(tr.mean_h2_avg))
            dev = (np.mean(h2) - r.delta_h) / r.delta_h
            se = np.std(h2, ddof=1) / math.sqrt(2) / r.delta_h
            t_ms = 1e3 * float(np.mean(times))
            rows.append({"size": f"network N={n}, T=200 (+100 transient), dt=0.1 (CPU time)", "time": t_ms,
                         "reference": measured, "ratio": t_ms / measured, "target": "",
                         "note": f"<h^2> vs DMFT delta_h: {100 * dev:+.2f}% +- {100 * se:.2f}% (2 seeds; "
                                 f"relative); reference = the DMFT solve above. A network matches the "
                                 f"DMFT's 1% once |deviation| + its seed error <= 1%"})
    return rows
