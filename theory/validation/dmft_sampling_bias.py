"""Small-path bias of the sampling DMFT: delta_h and tau_relax vs paths per chain at a fixed total.

The suspicion (docstring of :mod:`theory.dmft_sampling`, limitation 2): with few paths per chain
(64) tau_relax came out low. This study fixes the total number of paths per iteration
(n_paths x n_chains) and varies the split, at the additive g = 2 point where the deterministic
constant-gate solver is exact, over several seeds; each solve gives z = (sampled - exact) /
chain standard error. An O(1 / n_paths) bias of the nonlinear iteration (noise in the input
C_phi) would show as a mean z growing in magnitude as n_paths falls, since the chain standard
error is about constant at a fixed total.

Command (full scale; about 2-3 CPU minutes)::

    python -m theory reproduce --scale full --only dmft_sampling_path_bias --threads 1
"""

from __future__ import annotations

import math

import numpy as np

from ..dmft import solve_dmft
from ..dmft_sampling import solve_dmft_sampling
from ..params import ModelParams
from . import CheckResult, check


def path_bias_data(params: ModelParams, *, total: int = 1024, n_paths_values=(32, 64, 128, 256), seeds=(0, 1, 2, 3),
                   window: float = 30.0, **kwargs) -> dict:
    """z-scores of delta_h and tau_relax against the exact solver per (n_paths, seed)."""
    exact = solve_dmft(params)
    rows = []
    for n_paths in n_paths_values:
        for seed in seeds:
            r = solve_dmft_sampling(params, n_paths=n_paths, n_chains=total // n_paths, window=window, seed=seed,
                                    progress=False, **kwargs)
            rows.append({"n_paths": n_paths, "n_chains": total // n_paths, "seed": seed,
                         "delta_h": r.delta_h, "delta_h_stderr": r.delta_h_stderr,
                         "z_delta": (r.delta_h - exact.delta_h) / r.delta_h_stderr,
                         "tau_relax": r.tau_relax, "tau_relax_stderr": r.tau_relax_stderr,
                         "z_tau": (r.tau_relax - exact.tau_relax) / r.tau_relax_stderr})
    return {"exact": exact, "rows": rows, "total": total}


def summarise(d: dict) -> list[dict]:
    """Per n_paths: mean z of delta_h and tau_relax over seeds, and the mean relative offsets."""
    out = []
    for n_paths in sorted({r["n_paths"] for r in d["rows"]}):
        rs = [r for r in d["rows"] if r["n_paths"] == n_paths]
        zd, zt = np.array([r["z_delta"] for r in rs]), np.array([r["z_tau"] for r in rs])
        out.append({"n_paths": n_paths, "n_chains": rs[0]["n_chains"], "n_seeds": len(rs),
                    "mean_z_delta": float(zd.mean()), "mean_z_tau": float(zt.mean()),
                    "rel_delta": float(np.mean([r["delta_h"] for r in rs]) / d["exact"].delta_h - 1),
                    "rel_tau": float(np.mean([r["tau_relax"] for r in rs]) / d["exact"].tau_relax - 1)})
    return out


@check("dmft_sampling_path_bias")
def check_path_bias(ctx) -> list[CheckResult]:
    """Full scale only (16 solves)."""
    if ctx.scale == "quick":
        return []
    d = path_bias_data(ModelParams.additive(2.0))
    rows = []
    for s in summarise(d):
        # each z is ~ Student-t with n_chains - 1 dof (variance (k-1)/(k-3) for k chains); the mean over
        # seeds has the standard error sqrt(var / n_seeds); tolerance 3 of those
        k = s["n_chains"]
        sd = math.sqrt((k - 1) / (k - 3)) if k > 3 else math.inf
        tol = 3 * sd / math.sqrt(s["n_seeds"])
        ok = abs(s["mean_z_delta"]) <= tol and abs(s["mean_z_tau"]) <= tol
        rows.append(CheckResult(
            f"sampling DMFT unbiased at {s['n_paths']} paths x {k} chains (additive g=2)",
            0.0, f"z(delta_h) {s['mean_z_delta']:+.2f}, z(tau_relax) {s['mean_z_tau']:+.2f}",
            f"|mean z| <= {tol:.2f}", ok,
            f"{s['n_seeds']} seeds, total {d['total']} paths per iteration; mean relative offsets "
            f"delta_h {100 * s['rel_delta']:+.2f}%, tau_relax {100 * s['rel_tau']:+.2f}% against the exact "
            f"solver (delta_h {d['exact'].delta_h:.5f}, tau_relax {d['exact'].tau_relax:.4f}). z = (sampled - "
            f"exact) / chain stderr; tolerance 3 x the standard error of a mean of {s['n_seeds']} Student-t "
            f"({k - 1} dof) variables."))
    return rows
