"""Static (fixed-point) mean-field theory: self-consistent variances of the static fields.

Notes
-----
At a fixed point of a large network each field eta_k is a static Gaussian, independent across
channels k (independent couplings), eta_k ~ N(0, D_k). Each unit sits at the fixed point of its
own drift, x* = x*(eta) (solving f(x, eta) = 0 unit by unit), and

    D_k = < s_k(x*(eta))^2 >_{eta ~ N(0, diag D)}.

Averages are factorised over independent fields (derivations.averages).
"""

from __future__ import annotations

import sympy as sp

from .averages import AverageRegistry
from .model import UnitModel
from .records import AverageMap, Equation, Kernel, Section


class NoExplicitFixedPoint(ValueError):
    """The unit's fixed point is not an explicit function of the fields."""


def fixed_point(model: UnitModel) -> dict[sp.Symbol, sp.Expr]:
    """x*(eta): solve each f_a = 0 for its own variable x_a, then substitute back.

    Gate factors that do not contain x_a (e.g. sigma_z(z) in f_h) drop out, which is the
    statement that the update gate does not move fixed points.
    """
    sol = {}
    for x, f in zip(model.state, model.drift):
        try:
            roots = sp.solve(f, x, dict=False)
        except NotImplementedError:
            roots = []
        if len(roots) != 1:
            raise NoExplicitFixedPoint(
                f"{model.name}: d{x}/dt = 0 has {len(roots)} explicit solutions for {x}: {roots}"
            )
        sol[x] = roots[0]
    for _ in range(len(model.state) + 1):
        new = {x: e.subs(sol) for x, e in sol.items()}
        if new == sol:
            break
        sol = new
    if any(e.free_symbols & set(model.state) for e in sol.values()):
        raise NoExplicitFixedPoint(f"{model.name}: fixed point equations are implicit: {sol}")
    return sol


def variance_of_field(model: UnitModel):
    table = {c.field: c.variance for c in model.channels}
    return table.__getitem__


def _jacobian_map(model: UnitModel, reg: AverageRegistry, outputs) -> AverageMap:
    """d(map_k)/dD_l from Price's theorem: d<f>/dD_l = (1/2) <d^2 f / d eta_l^2> (independent fields)."""
    variance_of = variance_of_field(model)
    second = AverageRegistry("A2_", variance_of)
    dA = {}  # (average symbol, variance symbol) -> expression in second-derivative averages
    for a in reg.averages:
        for v in a.variables:
            d2 = sp.diff(a.integrand, v, 2)
            if d2 == 0:
                continue
            coded, _ = second.mean(d2, model.fields)
            dA[(sp.Symbol(a.name, real=True), variance_of(v))] = coded / 2
    jac = []
    for name, expr in outputs:
        for D in model.variances:
            total = sum((sp.diff(expr, A) * d for (A, DD), d in dA.items() if DD == D), sp.S.Zero)
            jac.append((f"d{name}_d{D}", total))
    avg_syms = tuple(sp.Symbol(a.name, real=True) for a in reg.averages + second.averages)
    combine = Kernel("static_jacobian_combine", "Jacobian entries dD_k/dD_l of the static map from the averages.",
                     avg_syms, tuple(jac))
    return AverageMap(
        "static_map_jacobian",
        "Jacobian d map_k / d D_l of the static mean-field map (Newton steps, saddle-node location); "
        "entries ordered (k, l) row-major over the channels.",
        model.variances, (), tuple(reg.averages + second.averages), combine,
    )


def derive(model: UnitModel) -> Section:
    sec = Section("static_mft", "Static mean-field theory", intro=(
        "Fields at a fixed point are static Gaussians $\\eta_k \\sim N(0, D_k)$, independent across channels; "
        "each unit sits at the fixed point $x^*(\\eta)$ of its own drift and "
        "$D_k = \\langle s_k(x^*(\\eta))^2 \\rangle$."
    ))
    star = fixed_point(model)
    for x, e in star.items():
        sec.equations.append(Equation(f"{x}*", sp.Symbol(f"{x}^*"), e, note="fixed point of the unit"))
    reg = AverageRegistry("A_", variance_of_field(model))
    outputs = []
    for ch in model.channels:
        integrand = (ch.sends.subs(star)) ** 2
        coded, shown = reg.mean(integrand, model.fields)
        sec.equations.append(Equation(f"D_{ch.name}", ch.variance, shown, note=f"variance of $\\eta_{{{ch.name}}}$"))
        outputs.append((f"D_{ch.name}", coded))
    avg_syms = tuple(sp.Symbol(a.name, real=True) for a in reg.averages)
    combine = Kernel(
        "static_combine",
        "Right-hand side of the static equations D_k = F_k(averages).",
        avg_syms,
        tuple(outputs),
        notes="; ".join(f"{n} = {e}" for n, e in outputs),
    )
    sec.average_maps.append(AverageMap(
        "static_field_variances",
        "One application of the static mean-field map D -> <s_k(x*)^2> (fixed points solve D = map(D)).",
        model.variances,
        (),
        tuple(reg.averages),
        combine,
    ))
    sec.average_maps.append(_jacobian_map(model, reg, outputs))
    sec.kernels.append(Kernel(
        "fixed_point_state",
        "Unit state x*(eta) at a fixed point, given its fields.",
        model.fields,
        tuple((f"{x}_star", e) for x, e in star.items()),
    ))
    sec.data["registry"] = reg
    sec.data["fixed_point"] = star
    return sec
