"""How the cost of a Lyapunov spectrum grows with N, k and T (measured exponents).

Each sweep times ``lyapunov_spectrum`` (RK4, dt = 0.05, QR every time unit, no transients) at
a few sizes with the other two fixed, and fits time ~ c x^a by least squares in log-log; the
fitted exponent a is in the size column. Expectations: a ~ 2 in N once the coupling products
dominate (less at small N, where per-step numpy overhead is a large share), a ~ 1 in k for
k >> 1 (the products are BLAS-3 on k + 1 columns; the QR adds 3N k^2 per re-orthonormalisation),
and a ~ 1 in T. Rows: time = the largest size, reference = the smallest, ratio = their quotient;
no targets (these rows describe, they do not test). One BLAS thread.
"""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_limits

from theory import GatedNetwork, ModelParams
from theory.lyapunov import lyapunov_spectrum

from .registry import benchmark
from .timing import compare

DT = 0.05
#: (varied name, values, fixed N, k, T) per sweep; module-level so tests can shrink them.
SWEEPS_FULL = (
    ("N", (100, 200, 400, 800, 1600), 200, 20, 10.0),
    ("k", (5, 10, 20, 40, 80), 400, 20, 10.0),
    ("T", (5.0, 10.0, 20.0, 40.0), 200, 20, 10.0),
)
SWEEPS_QUICK = (
    ("N", (50, 100, 200), 200, 10, 4.0),
    ("k", (5, 10, 20), 100, 10, 4.0),
    ("T", (2.0, 4.0, 8.0), 100, 10, 4.0),
)
REPEATS_FULL, REPEATS_QUICK = 2, 1


def params() -> ModelParams:
    return ModelParams.gated(4.0, alpha_z=2.0, alpha_r=2.0)


def time_run(n: int, k: int, t_run: float, repeats: int) -> float:
    """Best wall time in ms of one leading-k spectrum over T = t_run (network built outside)."""
    net = GatedNetwork(params(), n, seed=0)
    y0 = net.initial_state()

    def run():
        lyapunov_spectrum(net, k, dt=DT, t_transient=0.0, t_frame_transient=0.0, t_run=t_run,
                          reortho_interval=1.0, n_blocks=2, y0=y0, progress=False)

    return compare({"run": run}, repeats=repeats, min_sample=0.0, warmup=0)["run"].best_ms


def fit_exponent(x, t) -> float:
    """Least-squares slope of log t against log x."""
    return float(np.polyfit(np.log(np.asarray(x, float)), np.log(np.asarray(t, float)), 1)[0])


def sweep_row(name, values, n, k, t_run, repeats) -> dict:
    times = []
    for v in values:
        kw = {"n": n, "k": k, "t_run": t_run}
        kw[{"N": "n", "k": "k", "T": "t_run"}[name]] = v
        times.append(time_run(kw["n"], kw["k"], kw["t_run"], repeats))
    a = fit_exponent(values, times)
    fixed = ", ".join(f"{label}={val:g}" for label, val in (("N", n), ("k", k), ("T", t_run)) if label != name)
    return {
        "size": f"time ~ {name}^{a:.2f}; {name} in {{{', '.join(f'{v:g}' for v in values)}}}, {fixed}",
        "time": times[-1], "reference": times[0], "ratio": times[-1] / times[0], "target": "",
        "note": (f"fitted exponent {a:.2f} (log-log least squares); times "
                 + ", ".join(f"{v:g}: {t:.4g} ms" for v, t in zip(values, times))
                 + f"; RK4 dt={DT}, QR every time unit, best of {repeats}"),
    }


@benchmark("lyapunov_scaling")
def lyapunov_scaling(quick: bool) -> list[dict]:
    """Cost of a Lyapunov run vs N, k and T with fitted power-law exponents, one thread."""
    sweeps = SWEEPS_QUICK if quick else SWEEPS_FULL
    repeats = REPEATS_QUICK if quick else REPEATS_FULL
    with threadpool_limits(limits=1):
        return [sweep_row(*s, repeats) for s in sweeps]
