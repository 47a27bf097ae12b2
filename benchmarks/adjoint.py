"""Gradient of a loss by the exact discrete adjoint vs the forward simulation of the same run.

The loss is a running StateLoss over T time units (theory/adjoint.py); the reference is
``theory.simulation.integrate`` of the same network over the same T with the same RK4 step.
Variants: the default (checkpoints every ceil(sqrt(steps)) steps and the tape of stage fields
within the default memory budget, 256 MiB: one forward pass, an elementwise replay, one transposed
pass, so ~2x plus the dL/dJ products at best), pure checkpointing (memory_budget=0: one forward
pass for the checkpoints, one recompute, one transposed pass, ~3x at best), and gradients of the
scalar parameters only (no coupling gradients, which cost one BLAS-3 product per segment).
Target from the issue: <= 3 (T = 100, N = 1000). The one-segment variant (no checkpoints) is not
timed: it keeps every stage's state, sends, fields and adjoint terms (about 1.4 GB at the full size).
"""

from __future__ import annotations

from theory import GatedNetwork, ModelParams
from theory.adjoint import StateLoss, adjoint_gradient
from theory.simulation import integrate

from .registry import benchmark
from .timing import compare

TARGET = "<= 3"
DT = 0.05
CASE_FULL = (1000, 100.0)
CASE_QUICK = (300, 20.0)
REPEATS_FULL, REPEATS_QUICK = 3, 3


def params() -> ModelParams:
    return ModelParams.gated(3.0, alpha_z=2.0, alpha_r=1.0)


@benchmark("adjoint_gradient")
def adjoint_benchmark(quick: bool) -> list[dict]:
    """Adjoint gradient time / forward simulation time (same N, T, dt, RK4)."""
    n, t_run = CASE_QUICK if quick else CASE_FULL
    net = GatedNetwork(params(), n, seed=0)
    y0 = net.initial_state()
    steps = int(round(t_run / DT))
    tape_mb = steps * 4 * 3 * n * 8 / 1e6
    loss = StateLoss()

    fns = {
        "forward": lambda: integrate(net, y0, t_run, DT, progress=False),
        "checkpointed": lambda: adjoint_gradient(net, y0, t_run, DT, loss=loss, progress=False),
        "no tape": lambda: adjoint_gradient(net, y0, t_run, DT, loss=loss, memory_budget=0, progress=False),
        "parameters only": lambda: adjoint_gradient(net, y0, t_run, DT, loss=loss, couplings=False,
                                                    progress=False),
    }
    t = compare(fns, repeats=REPEATS_QUICK if quick else REPEATS_FULL, min_sample=0.0, warmup=0)
    ref = t["forward"].best_ms
    notes = {
        "checkpointed": "all gradients (Jh, Jz, Jr, 11 scalars, y0), checkpoints every ceil(sqrt(steps)), "
                        f"tape of the stage fields ({tape_mb:.0f} MB, within the default budget)",
        "no tape": "all gradients, pure checkpointing (memory_budget=0: each segment recomputed)",
        "parameters only": "scalar parameters and y0, checkpointed and taped, no coupling gradients",
    }
    return [{
        "size": f"N={n}, T={t_run:g}, dt={DT:g}",
        "time": t[name].best_ms,
        "reference": ref,
        "ratio": t[name].best_ms / ref,
        "target": TARGET,
        "note": f"{name}: {notes[name]}; vs forward RK4 simulation (best of {t[name].samples}; medians "
                f"{t[name].median_ms:.4g} / {t['forward'].median_ms:.4g} ms)",
    } for name in ("checkpointed", "no tape", "parameters only")]
