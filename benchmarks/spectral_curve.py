"""Spectral boundary F(lambda) = 1 (512 points) per parameter point vs the issue's 100 ms budget.

The reference column is the budget itself (100 ms on one core), so ratio <= 1 meets it. The
static solution (theory.static_mft) is computed once outside the timing. Cases: output gate
only (F smooth off the axis), a smooth update gate (whiskers on (-1, 0) make the Gaussian
averages near the real axis expensive), and a fast output gate with a second component
around -1/tau_r.
"""

from __future__ import annotations

from theory import ModelParams
from theory.spectral_curve import spectral_boundary
from theory.static_mft import solve_static

from .registry import benchmark
from .timing import compare

BUDGET_MS = 100.0
N_POINTS = 512
CASES = (
    ("alpha_r=1", ModelParams.gated(2.5, alpha_r=1.0)),
    ("alpha_z=5, alpha_r=1", ModelParams.gated(2.5, alpha_z=5.0, alpha_r=1.0)),
    ("alpha_z=20, alpha_r=2, tau_r=0.3", ModelParams.gated(2.5, alpha_z=20.0, alpha_r=2.0, tau_r=0.3)),
)
REPEATS_FULL, REPEATS_QUICK = 5, 2


def row(label: str, params: ModelParams, repeats: int) -> dict:
    branch = solve_static(params).nonzero[-1]
    t = compare({"boundary": lambda: spectral_boundary(params, branch, n_points=N_POINTS)},
                repeats=repeats, min_sample=0.0, warmup=1)["boundary"]
    curves = len(spectral_boundary(params, branch, n_points=N_POINTS).curves)
    return {
        "size": f"{N_POINTS} points x {curves} curve(s), {label}",
        "time": t.best_ms,
        "reference": BUDGET_MS,
        "ratio": t.best_ms / BUDGET_MS,
        "target": "<= 1",
        "note": f"reference = the 100 ms budget (one core); median {t.median_ms:.4g} ms",
    }


@benchmark("spectral_curve")
def spectral_curve(quick: bool) -> list[dict]:
    """Time of one spectral boundary (512 points, tol 1e-10) vs the 100 ms budget."""
    repeats = REPEATS_QUICK if quick else REPEATS_FULL
    return [row(label, p, repeats) for label, p in CASES]
