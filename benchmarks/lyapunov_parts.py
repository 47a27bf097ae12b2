"""Where the time of a Lyapunov run goes: the QR share, and what the float32 option saves.

- QR share: one re-orthonormalisation (Householder QR of the n_fields N x k frame, as
  theory.lyapunov does it) vs the RK4 steps with tangent between two of them
  (``reortho_interval / dt`` = 20 steps). A small ratio means a faster QR (e.g. CholeskyQR2)
  could not speed up the run by more than that fraction.
- float32 vs float64: the same ``lyapunov_spectrum`` run in single and double precision; the
  note gives both leading exponents with their block standard errors (accuracy check; the test
  tests/test_lyapunov.py asserts agreement within 3 combined standard errors).
One BLAS thread.
"""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_limits

from theory import GatedNetwork, ModelParams
from theory.integrators import step_with_tangent
from theory.lyapunov import _qr_logs, lyapunov_spectrum

from .registry import benchmark
from .timing import compare

DT, REORTHO = 0.05, 1.0
#: (N, k) of the QR-share rows and of the float32 row; module-level so tests can shrink them.
QR_FULL, QR_QUICK = ((1000, 100), (4000, 200)), ((200, 20),)
F32_FULL, F32_QUICK = (800, 40, 40.0), (100, 10, 10.0)


def params() -> ModelParams:
    return ModelParams.gated(8.0, alpha_z=1.0, alpha_r=1.0)


def qr_row(n: int, k: int, repeats: int) -> dict:
    net = GatedNetwork(params(), n, seed=0)
    y = net.initial_state()
    rng = np.random.default_rng(0)
    frame = rng.standard_normal((3, n, k))
    steps = int(round(REORTHO / DT))

    def qr():
        _qr_logs(frame.copy())

    def one_step():
        step_with_tangent(net, 0.0, y, frame, DT)

    t = compare({"qr": qr, "step": one_step}, repeats=repeats, min_sample=0.0, warmup=1)
    qr_ms, interval_ms = t["qr"].best_ms, steps * t["step"].best_ms
    return {"size": f"QR share, N={n}, k={k}", "time": qr_ms, "reference": interval_ms,
            "ratio": qr_ms / interval_ms, "target": "",
            "note": (f"Householder QR of the {3 * n} x {k} frame vs the {steps} RK4 steps with tangent "
                     f"between two re-orthonormalisations ({t['step'].best_ms:.4g} ms each)")}


def float32_row(n: int, k: int, t_run: float) -> dict:
    net = GatedNetwork(params(), n, seed=0)
    kw = dict(dt=DT, t_transient=20.0, t_frame_transient=10.0, t_run=t_run, n_blocks=10, progress=False)
    res, times = {}, {}
    for dtype in ("float64", "float32"):
        def run(dtype=dtype):
            res[dtype] = lyapunov_spectrum(net, k, dtype=dtype, **kw)
        times[dtype] = compare({"run": run}, repeats=1, min_sample=0.0, warmup=0)["run"].best_ms
    a, b = res["float64"], res["float32"]
    z = np.abs(a.exponents - b.exponents) / np.sqrt(a.stderr**2 + b.stderr**2)
    return {"size": f"float32 vs float64, N={n}, k={k}, T={t_run:g}", "time": times["float32"],
            "reference": times["float64"], "ratio": times["float32"] / times["float64"], "target": "",
            "note": (f"lyapunov_spectrum(dtype='float32') vs float64 (same start); lambda_1 = "
                     f"{b.exponents[0]:.4f} +- {b.stderr[0]:.4f} (f32) vs {a.exponents[0]:.4f} +- "
                     f"{a.stderr[0]:.4f} (f64); max z over the {k} exponents = {z.max():.2f}")}


@benchmark("lyapunov_parts")
def lyapunov_parts(quick: bool) -> list[dict]:
    """QR share of a Lyapunov run and the float32 speed-up (with its accuracy), one thread."""
    with threadpool_limits(limits=1):
        rows = [qr_row(n, k, 2 if quick else 3) for n, k in (QR_QUICK if quick else QR_FULL)]
        return rows + [float32_row(*(F32_QUICK if quick else F32_FULL))]
