"""RK4 step of the gated network vs the bare BLAS roofline of its couplings on the same data.

One evaluation of the vector field (theory/network.py) needs the three coupling products
Jz phi, Jr phi and Jh (s_r phi). The network stores Jz, Jr stacked as ``net.J_zr`` (2N, N), so the
roofline of one evaluation is ``J_zr @ v`` plus ``Jh @ w`` on the network's own arrays (BLAS-2 for
one trajectory, BLAS-3 for a batch), and an RK4 step costs at least 4 of them. The ratio
step_time / (4 * roofline) measures everything else (activations, gates, RK4 combinations,
temporaries, Python overhead). Target from the issue: <= 1.5.
"""

from __future__ import annotations

import numpy as np

from theory import ModelParams, GatedNetwork
from theory.integrators import step

from .registry import benchmark
from .timing import compare

TARGET = "<= 1.5"
DT = 0.05
BATCH = 16

# (N, batch) cases; module-level so that tests can shrink them.
CASES_FULL = ((500, None), (2000, None), (4000, None), (2000, BATCH))
CASES_QUICK = ((300, None), (300, BATCH))
# Many short samples: on a shared machine the best sample is the one that ran undisturbed.
REPEATS_FULL, REPEATS_QUICK = 25, 10
MIN_SAMPLE_FULL, MIN_SAMPLE_QUICK = 0.005, 0.002


def params() -> ModelParams:
    return ModelParams.gated(3.0, alpha_z=2.0, alpha_r=1.0)


def measure(n: int, batch: int | None, repeats: int, min_sample: float) -> dict:
    """Time one RK4 step and the BLAS roofline (J_zr @ v, Jh @ w) on the same arrays."""
    net = GatedNetwork(params(), n, seed=0)
    y = net.initial_state(batch=batch)
    # Operands shaped like the network's own (phi(h) and s_r * phi(h)), in fresh C-ordered arrays.
    v = np.tanh(y[0])
    w = 0.5 * v
    u_zr = np.empty((2 * n,) + v.shape[1:])
    u_h = np.empty_like(v)
    J_zr, Jh = net.J_zr, net.Jh

    def roofline():
        np.matmul(J_zr, v, out=u_zr)
        np.matmul(Jh, w, out=u_h)

    def rk4_step():
        step(net, 0.0, y, DT, "rk4")

    t = compare({"step": rk4_step, "roofline": roofline}, repeats=repeats, min_sample=min_sample)
    return {"step": t["step"], "roofline": t["roofline"]}


def row(n: int, batch: int | None, repeats: int, min_sample: float) -> dict:
    t = measure(n, batch, repeats, min_sample)
    step_ms, roof_ms = t["step"].best_ms, t["roofline"].best_ms
    kind = "BLAS-3 J_zr@V + Jh@W" if batch else "BLAS-2 J_zr@v + Jh@w"
    return {
        "size": f"N={n}" + (f", B={batch}" if batch else ""),
        "time": step_ms,
        "reference": 4 * roof_ms,
        "ratio": step_ms / (4 * roof_ms),
        "target": TARGET,
        "note": (f"RK4 step vs 4 x roofline ({kind} = {roof_ms:.4g} ms); "
                 f"medians {t['step'].median_ms:.4g} / {t['roofline'].median_ms:.4g} ms"),
    }


@benchmark("network_step")
def network_step(quick: bool) -> list[dict]:
    """RK4 step time vs 4 x the BLAS roofline of the couplings (single trajectory and batch)."""
    cases = CASES_QUICK if quick else CASES_FULL
    repeats = REPEATS_QUICK if quick else REPEATS_FULL
    min_sample = MIN_SAMPLE_QUICK if quick else MIN_SAMPLE_FULL
    return [row(n, batch, repeats, min_sample) for n, batch in cases]
