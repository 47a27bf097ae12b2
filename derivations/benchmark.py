"""Evaluation rate of the generated kernels vs a plain ``sympy.lambdify`` of the same expressions.

``python -m derivations.benchmark`` prints a table; ``lambdify_comparison()`` returns its rows (for
``make bench``). Same inputs, same process, best of several repeats.
"""

from __future__ import annotations

import importlib
import time

import numpy as np
import sympy as sp

from .build import derive_model
from .codegen import integrand_kernel, kernel_parameters
from .functions import to_closed_form
from .model import gated_model


def _best_time(fn, repeat=9):
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _kernels(model):
    out = []
    for sec in derive_model(model):
        if sec.key == "jacobian":
            out += [(sec.key, k) for k in sec.kernels]
        for amap in sec.average_maps:
            if amap.name in ("static_field_variances", "spectral_curve"):
                out += [(sec.key, integrand_kernel(sec.key, a)) for a in amap.averages] + [(sec.key, amap.combine)]
    return out


def lambdify_comparison(n_points: int = 1_000_000, seed: int = 0):
    """Rows {kernel, points, generated_per_s, lambdify_per_s, lambdify_cse_per_s, speedup}."""
    model = gated_model()
    gen = importlib.import_module(f"theory._generated.{model.name}_numpy")
    rng = np.random.default_rng(seed)
    rows = []
    for _, k in _kernels(model):
        exprs = [model.concrete(e) for _, e in k.outputs]
        params = kernel_parameters(model, k, exprs)
        args = list(k.variables) + list(params)
        # variables are arrays of n_points; parameters are scalars (as inside a quadrature)
        values = {str(a): rng.uniform(-3, 3, n_points) for a in k.variables}
        values.update({str(p): float(rng.uniform(0.1, 2.0)) for p in params})
        f = getattr(gen, k.name)
        call_gen = lambda: f(*[values[str(v)] for v in k.variables], **{str(p): values[str(p)] for p in params})  # noqa: E731
        plain = sp.lambdify(args, [to_closed_form(e) for e in exprs], modules="numpy")
        plain_cse = sp.lambdify(args, [to_closed_form(e) for e in exprs], modules="numpy", cse=True)
        vals = [values[str(a)] for a in args]
        with np.errstate(all="ignore"):
            t_gen = _best_time(call_gen)
            t_plain = _best_time(lambda: plain(*vals))
            t_cse = _best_time(lambda: plain_cse(*vals))
        rows.append({
            "kernel": k.name, "points": n_points,
            "generated_per_s": n_points / t_gen, "lambdify_per_s": n_points / t_plain,
            "lambdify_cse_per_s": n_points / t_cse, "speedup": t_plain / t_gen,
        })
    return rows


def main():
    rows = lambdify_comparison()
    print(f"{'kernel':34s} {'generated/s':>12s} {'lambdify/s':>12s} {'lambdify+cse/s':>15s} {'speedup':>8s}")
    for r in rows:
        print(f"{r['kernel']:34s} {r['generated_per_s']:12.3g} {r['lambdify_per_s']:12.3g} "
              f"{r['lambdify_cse_per_s']:15.3g} {r['speedup']:8.2f}")


if __name__ == "__main__":
    main()
