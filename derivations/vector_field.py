"""The network vector field, from the unit model: local drift and what each unit sends.

Notes
-----
dx_i/dt = f(x_i, eta_i),  eta^k_i = sum_j J^k_ij s_k(x_j).
"""

from __future__ import annotations

import sympy as sp

from .display import pretty
from .model import UnitModel
from .records import Equation, Kernel, Section


def derive(model: UnitModel) -> Section:
    """Vector field equations and the kernels ``vector_field`` and ``sends``."""
    sec = Section("vector_field", "Vector field", intro=(
        "Per unit i; the fields are the only coupling between units, "
        "$\\eta^k_i = \\sum_j J^k_{ij} s_k(x_j)$ with $J^k_{ij}$ iid $N(0, 1/N)$."
    ))
    for x, f in zip(model.state, model.drift):
        sec.equations.append(Equation(f"d{x}/dt", sp.Derivative(sp.Function(str(x))(sp.Symbol("t")), sp.Symbol("t")), f))
    for ch in model.channels:
        sec.equations.append(Equation(
            f"sends {ch.name}", sp.Symbol(f"s_{ch.name}"), ch.sends,
            note=f"what a unit sends through ${ch.coupling_latex}$ into the field $\\eta_{{{ch.name}}}$",
        ))
    sec.kernels.append(Kernel(
        "vector_field",
        "Local drift dx/dt given the state and the recurrent fields.",
        model.state + model.fields,
        tuple((f"d{x}_dt", f) for x, f in zip(model.state, model.drift)),
        notes="; ".join(f"d{x}/dt = {pretty(f)}" for x, f in zip(model.state, model.drift)),
    ))
    sec.kernels.append(Kernel(
        "sends",
        "What each unit sends on each channel, s_k(x); the field is eta^k = J^k s_k.",
        model.state,
        tuple((f"s_{c.name}", c.sends) for c in model.channels),
        notes="; ".join(f"s_{c.name} = {pretty(c.sends)}" for c in model.channels),
    ))
    sec.data["STATE"] = tuple(str(x) for x in model.state)
    sec.data["CHANNELS"] = tuple(c.name for c in model.channels)
    return sec
