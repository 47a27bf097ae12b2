"""Jacobian of the network vector field as per-unit diagonal factors and coupling blocks.

Notes
-----
Differentiating dx_i/dt = f(x_i, eta_i) with eta^k_i = sum_j J^k_ij s_k(x_j) gives, with
diagonal matrices [.] over units,

    d(dx_a)/dt = sum_b [L_ab] dx_b + sum_k [A_ak] J^k sum_b [B_kb] dx_b,

    L_ab = df_a/dx_b (at fixed fields),  A_ak = df_a/deta_k,  B_kb = ds_k/dx_b.

No N x N symbolic matrix is ever formed.
"""

from __future__ import annotations

import sympy as sp

from .display import pretty
from .model import UnitModel
from .records import Equation, Kernel, Section


def factors(model: UnitModel) -> tuple[sp.Matrix, sp.Matrix, sp.Matrix]:
    """(L, A, B): local block (n x n), field loading (n x K) and send slopes (K x n)."""
    L = sp.Matrix([[sp.diff(f, x) for x in model.state] for f in model.drift])
    A = sp.Matrix([[sp.diff(f, eta) for eta in model.fields] for f in model.drift])
    B = sp.Matrix([[sp.diff(s, x) for x in model.state] for s in model.sends])
    return L, A, B


def nonzero_entries(model: UnitModel):
    """Named nonzero factors: [("L_h_z", expr), ("A_h_h", expr), ("B_h_r", expr), ...]."""
    L, A, B = factors(model)
    st = [str(x) for x in model.state]
    ch = [c.name for c in model.channels]
    out = []
    for name, M, rows, cols in (("L", L, st, st), ("A", A, st, ch), ("B", B, ch, st)):
        for i, a in enumerate(rows):
            for j, b in enumerate(cols):
                if M[i, j] != 0:
                    out.append((f"{name}_{a}_{b}", M[i, j]))
    return out


def derive(model: UnitModel) -> Section:
    sec = Section("jacobian", "Jacobian factors", intro=(
        "$\\frac{d\\,\\delta x_a}{dt} = \\sum_b [L_{ab}]\\,\\delta x_b + \\sum_k [A_{ak}]\\, J^k \\sum_b [B_{kb}]\\,\\delta x_b$, "
        "square brackets are diagonal matrices over units; "
        "$L_{ab} = \\partial f_a/\\partial x_b$, $A_{ak} = \\partial f_a/\\partial \\eta_k$, $B_{kb} = \\partial s_k/\\partial x_b$."
    ))
    entries = nonzero_entries(model)
    for name, expr in entries:
        kind, a, b = name.split("_", 2)
        sec.equations.append(Equation(name, sp.Symbol(f"{kind}_{{{a}{b}}}"), expr))
    sec.kernels.append(Kernel(
        "jacobian_factors",
        "Nonzero per-unit factors L_ab, A_ak, B_kb of the Jacobian (see JACOBIAN_FACTORS).",
        model.state + model.fields,
        tuple(entries),
        notes="J = [L] + sum_k [A_k] J^k [B_k]; " + "; ".join(f"{n} = {pretty(e)}" for n, e in entries),
    ))
    sec.data["JACOBIAN_FACTORS"] = tuple(n for n, _ in entries)
    return sec
