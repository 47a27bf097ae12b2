"""Evaluation rate of the generated static and spectral kernels vs a plain sympy.lambdify.

Both evaluate the same expressions on the same points in this process (derivations.benchmark);
the generated kernels add stable forms (expit, exp(-|x|)) and broadcast constant outputs, so
the ratio shows what that robustness costs or saves. No target: reported for information.
"""

from __future__ import annotations

import subprocess
import sys
import time

from .registry import benchmark

#: Budget of ``python -m derivations --check`` (the pre-commit hook's limit is 40 s; keep half).
CHECK_BUDGET_MS = 20_000.0


@benchmark("generated_kernels")
def generated_kernels(quick: bool) -> list[dict]:
    from derivations.benchmark import lambdify_comparison

    n_points = 20_000 if quick else 1_000_000
    rows = []
    for r in lambdify_comparison(n_points=n_points):
        rows.append({
            "size": f"{r['points']} points",
            "time": 1e3 * r["points"] / r["generated_per_s"],
            "reference": 1e3 * r["points"] / r["lambdify_per_s"],
            "ratio": r["lambdify_per_s"] / r["generated_per_s"],
            "target": "",
            "note": (f"{r['kernel']}: generated {r['generated_per_s']:.3g}/s vs plain lambdify "
                     f"{r['lambdify_per_s']:.3g}/s (lambdify+cse {r['lambdify_cse_per_s']:.3g}/s); "
                     "ratio = generated time / lambdify time"),
        })
    return rows


@benchmark("derivations_check")
def derivations_check(quick: bool) -> list[dict]:
    """Wall time of ``python -m derivations --check`` (re-derives every model, compares files)."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "derivations", "--check"], capture_output=True, text=True)
    elapsed = 1e3 * (time.perf_counter() - start)
    return [{"size": "all models", "time": elapsed, "reference": CHECK_BUDGET_MS,
             "ratio": elapsed / CHECK_BUDGET_MS, "target": "<= 1",
             "note": ("re-derivation + staleness check in a fresh interpreter vs a 20 s budget "
                      f"(half the hook's 40 s); exit code {proc.returncode}")}]
