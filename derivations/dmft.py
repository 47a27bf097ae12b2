"""Dynamical mean-field theory: the single-site process and its self-consistency.

Notes
-----
For N -> infinity each unit obeys dx/dt = f(x, eta(t)) with independent Gaussian fields

    <eta_k(t) eta_k(t')> = C_{s_k}(t, t') = < s_k(x(t)) s_k(x(t')) >.

A state variable depends on the fields in its drift and, through other state variables, on
theirs; factors of s_k that depend on disjoint sets of fields are independent, so C_{s_k}
factorises (e.g. C_{sigma_r phi} = C_{sigma_r} C_phi). A variable with a linear constant-
coefficient drift dx/dt = -gamma x + sum_k c_k eta_k + c_0 is Gaussian, and its stationary
correlation obeys the lag equation (-d^2/dtau^2 + gamma^2) C_x = sum_k c_k^2 C_{eta_k}.
"""

from __future__ import annotations

import sympy as sp

from .averages import factorize_mean
from .display import latex as show
from .model import UnitModel
from .records import Equation, Kernel, Section

tau = sp.Symbol("tau", real=True)


def field_dependencies(model: UnitModel) -> dict[sp.Symbol, frozenset]:
    """Fields each state variable depends on (transitively through other state variables)."""
    deps = {x: frozenset(f.free_symbols & set(model.fields)) for x, f in zip(model.state, model.drift)}
    uses = {x: (f.free_symbols & set(model.state)) - {x} for x, f in zip(model.state, model.drift)}
    for _ in model.state:
        deps = {x: deps[x].union(*(deps[y] for y in uses[x])) for x in model.state}
    return deps


def independent_factors(model: UnitModel, expr: sp.Expr) -> list[tuple[tuple[sp.Symbol, ...], sp.Expr]]:
    """Factor ``expr`` (a function of the state) into groups driven by disjoint sets of fields."""
    deps = field_dependencies(model)
    const, groups = factorize_mean(expr, model.state)
    merged: list[tuple[set, set, sp.Expr]] = []
    for xs, g in groups:
        fields = set().union(*(deps[x] for x in xs))
        for item in merged:
            if item[1] & fields:
                item[0].update(xs)
                item[1].update(fields)
                merged[merged.index(item)] = (item[0], item[1], item[2] * g)
                break
        else:
            merged.append((set(xs), fields, g))
    order = {x: i for i, x in enumerate(model.state)}
    out = [(tuple(sorted(xs, key=order.get)), g) for xs, _, g in merged]
    if const != 1:
        out = [((), const)] + out
    return out


def linear_filter(model: UnitModel, x: sp.Symbol, drift: sp.Expr):
    """(gamma, {field: c_k}, c_0) if dx/dt = -gamma x + sum c_k eta_k + c_0 with constants; else None."""
    others = set(model.state) - {x}
    variables = [x, *model.fields]
    if drift.free_symbols & others:
        return None
    poly = sp.Poly(sp.expand(drift), *variables) if drift.free_symbols & set(variables) else None
    if poly is None or poly.total_degree() > 1:
        return None
    if any(c.has(sp.Function) and c.free_symbols & set(variables) for c in poly.coeffs()):
        return None
    gamma = -poly.coeff_monomial(x)
    cs = {eta: poly.coeff_monomial(eta) for eta in model.fields if poly.coeff_monomial(eta) != 0}
    c0 = poly.coeff_monomial(1)
    if any(e.free_symbols & set(variables) or e.has(sp.Subs) for e in [gamma, c0, *cs.values()]):
        return None
    return gamma, cs, c0


def constant_gates(model: UnitModel, expr: sp.Expr, which=None) -> sp.Expr:
    """Replace gates by their constant value s = expit(-beta) (zero slope); derivatives vanish."""
    for nl in model.gates:
        if which is not None and nl.function not in which:
            continue
        s = sp.Symbol("s_" + nl.function.__name__.split("_")[-1], positive=True)
        expr = expr.replace(nl.function, sp.Lambda(sp.Symbol("x"), s)).doit()
    return expr


def _corr(name):
    return sp.Function(f"C_{{{name}}}")(tau)


def derive(model: UnitModel) -> Section:
    sec = Section("dmft", "Dynamical mean-field theory (single site)", intro=(
        "Each unit obeys the single-site equations with independent Gaussian fields "
        "$\\langle \\eta_k(t)\\eta_k(t')\\rangle = \\langle s_k(x(t))\\, s_k(x(t'))\\rangle$."
    ))
    t = sp.Symbol("t")
    for x, f in zip(model.state, model.drift):
        sec.equations.append(Equation(f"single-site d{x}/dt", sp.Derivative(sp.Function(str(x))(t), t),
                                      f.subs({eta: sp.Function(str(eta))(t) for eta in model.fields})))
    deps = field_dependencies(model)
    sec.data["FIELD_DEPENDENCIES"] = {str(x): tuple(sorted(map(str, d))) for x, d in deps.items()}
    factor_outputs, factor_table = [], {}
    for ch in model.channels:
        groups = independent_factors(model, ch.sends)
        rhs = sp.Mul(*[_corr(show(g)) if xs else g ** 2 for xs, g in groups])
        sec.equations.append(Equation(
            f"C_eta_{ch.name}", _corr(f"\\eta_{ch.name}"), rhs,
            note="factors driven by disjoint sets of fields are independent",
        ))
        entries = []
        for j, (xs, g) in enumerate(groups):
            if not xs:
                continue
            name = f"s_{ch.name}_{j}"
            factor_outputs.append((name, g))
            if len(xs) == 1:
                factor_outputs.append((f"d{name}", sp.diff(g, xs[0])))
            entries.append((name, tuple(map(str, xs))))
        factor_table[ch.name] = tuple(entries)
    sec.kernels.append(Kernel(
        "correlation_factors",
        "Independent factors of what each unit sends (their correlations multiply), and their "
        "slopes d/dx (Price's theorem: dC_f/dC_x = C_{f'} for Gaussian x).",
        model.state, tuple(factor_outputs),
    ))
    sec.data["CORRELATION_FACTORS"] = factor_table
    gaussian = []
    update = [model.update_gate] if model.update_gate is not None else []
    for label, transform in (("", lambda e: e), ("constant update gate: ", lambda e: constant_gates(model, e, update))):
        for x, f in zip(model.state, model.drift):
            if label and not f.has(*update):
                continue
            lin = linear_filter(model, x, transform(f))
            if lin is None:
                continue
            gamma, cs, c0 = lin
            lhs = -sp.Derivative(_corr(str(x)), tau, 2) + gamma**2 * _corr(str(x))
            rhs = sp.Add(*[c**2 * _corr(f"\\eta_{eta.name[4:]}") for eta, c in cs.items()])
            sec.equations.append(Equation(f"lag {x}", lhs, rhs,
                                          note=label + f"{x} is Gaussian (linear filter), mean {sp.latex(sp.simplify(c0 / gamma))}"))
            if not label:
                gaussian.append(str(x))
    sec.data["GAUSSIAN_STATE"] = tuple(gaussian)
    _energy_condition(model, sec)
    _output_gate_lag(model, sec)
    return sec


def _output_gate_lag(model: UnitModel, sec: Section) -> None:
    """Constant update gate, fluctuating output gate: h and r Gaussian, two coupled lag equations.

    With the update gate at its constant value s_z, dh/dt = -gamma_h h + c_h eta_h is a linear
    filter, and the field of h factorises as C_eta_h = C_{f}(C_h) C_{g}(C_x) with f a function of h
    and g a gate of a Gaussian (linear-filter) variable x driven by the field eta_x, with
    C_eta_x = C_f. Then

        -C_h'' + gamma_h^2 C_h = c_h^2 C_g(C_x) C_f(C_h),   -C_x'' + gamma_x^2 C_x = c_x^2 C_f(C_h).

    The kernel gives f, g and their first two derivatives (Price's theorem: dC_f/dC = C_{f'},
    dC_f/dC_0 at fixed C = <f'' f>) and the four lag coefficients.
    """
    h = model.state[0]
    update = [model.update_gate] if model.update_gate is not None else []
    if not update:
        return
    lin_h = linear_filter(model, h, constant_gates(model, model.drift[0], update))
    if lin_h is None or len(lin_h[1]) != 1:
        return
    gamma_h, cs, _ = lin_h
    (eta, c_h), = cs.items()
    channel = next(ch for ch in model.channels if ch.field == eta)
    groups = independent_factors(model, channel.sends)
    if len(groups) != 2 or any(len(xs) != 1 for xs, _ in groups) or groups[0][0] != (h,):
        return
    f = groups[0][1]
    (x,), g = groups[1]
    ix = model.state.index(x)
    lin_x = linear_filter(model, x, model.drift[ix])
    if lin_x is None or len(lin_x[1]) != 1:
        return
    gamma_x, cx, _ = lin_x
    (eta_x, c_x), = cx.items()
    ch_x = next(ch for ch in model.channels if ch.field == eta_x)
    gx = independent_factors(model, ch_x.sends)
    if len(gx) != 1 or gx[0][0] != (h,) or sp.simplify(gx[0][1] - f) != 0:
        return
    gate_values = {sp.Symbol("s_" + nl.function.__name__.split("_")[-1], positive=True): model.constant_gate(nl)
                   for nl in model.gates if nl.function in update}
    Ch, Cx = _corr(str(h)), _corr(str(x))
    sec.equations.append(Equation(
        f"lag {h} (output gate)", -sp.Derivative(Ch, tau, 2) + gamma_h**2 * Ch,
        c_h**2 * _corr(show(g)) * _corr(show(f)),
        note=f"constant update gate, fluctuating output gate: {h} and {x} Gaussian; "
        f"$C_{{{show(g)}}}$ at variance $C_{{{x}}}(0)$, covariance $C_{{{x}}}(\\tau)$",
    ))
    sec.equations.append(Equation(
        f"lag {x} (output gate)", -sp.Derivative(Cx, tau, 2) + gamma_x**2 * Cx, c_x**2 * _corr(show(f)),
        note=f"{x} is a linear filter of $\\eta_{{{ch_x.name}}}$",
    ))
    sec.kernels.append(Kernel(
        "output_gate_lag_terms",
        "Constant update gate, fluctuating output gate: the activation f(h) and the gate g(x) with "
        "their first two derivatives, and the coefficients of -C_h'' + gamma2_h C_h = c2_h C_g C_f, "
        "-C_x'' + gamma2_x C_x = c2_x C_f.",
        (h, x),
        (("f", f), ("df", sp.diff(f, h)), ("d2f", sp.diff(f, h, 2)),
         ("g", g), ("dg", sp.diff(g, x)), ("d2g", sp.diff(g, x, 2)),
         ("gamma2_h", sp.sympify(gamma_h**2).subs(gate_values)), ("c2_h", sp.sympify(c_h**2).subs(gate_values)),
         ("gamma2_x", sp.sympify(gamma_x**2)), ("c2_x", sp.sympify(c_x**2))),
    ))
    sec.data["OUTPUT_GATE_LAG"] = (str(h), str(x))


def _energy_condition(model: UnitModel, sec: Section) -> None:
    """Constant gates: h is Gaussian and its lag equation is Newtonian motion in a potential.

    -C'' + gamma^2 C = c^2 w C_f(C) with C_f(C) = <f(h) f(h')> at covariance C; Price's theorem
    (d/dC <Phi Phi> = <f f> for Phi' = f) gives C'' = -dV/dC with
    V(C) = -gamma^2 C^2 / 2 + c^2 w <Phi(h) Phi(h')>_C, so (1/2) C'^2 + V(C) = V(C_0).
    """
    h = model.state[0]
    drift = constant_gates(model, model.drift[0])
    lin = linear_filter(model, h, drift)
    if lin is None:
        return
    gamma, cs, _ = lin
    if len(cs) != 1:
        return
    (eta, c), = cs.items()
    channel = next(ch for ch in model.channels if ch.field == eta)
    send = constant_gates(model, channel.sends)
    b, f = send.as_independent(h, as_Add=False)
    nl = next((n for n in model.nonlinearities if f == n.function(h) and n.antiderivative is not None), None)
    if nl is None:
        return
    C, C0 = sp.Function("C_h")(tau), sp.Symbol("C_0", positive=True)
    Cs = sp.Symbol("C", real=True)
    weight = c**2 * b**2
    V = -gamma**2 * Cs**2 / 2 + weight * sp.Function("Q")(Cs)
    sec.equations.append(Equation(
        "potential", sp.Function("V")(Cs), V,
        note="all gates constant; $Q(C) = \\langle \\Phi(h)\\Phi(h')\\rangle_C$ with $\\Phi' = "
        + show(f.func(sp.Symbol("x"))) + "$ ($\\Phi(x) = " + show(nl.antiderivative(sp.Symbol("x"))) + "$), "
        "h, h' jointly Gaussian with variance $C_0$ and covariance $C$",
    ))
    sec.equations.append(Equation(
        "energy", sp.Derivative(C, tau) ** 2 / 2 + sp.Function("V")(C), sp.Function("V")(C0),
        note="Price's theorem turns the lag equation into motion in V; stationary chaos: "
        "$V(C_0) = V(C_\\infty)$, $V'(C_\\infty) = 0$",
    ))
    gate_values = {sp.Symbol("s_" + g.function.__name__.split("_")[-1], positive=True): model.constant_gate(g)
                   for g in model.gates}
    sec.kernels.append(Kernel(
        "energy_potential_terms",
        "Constant gates: the activation f, its antiderivative Phi and slope at h (for <Phi Phi>_C and "
        "C_f), and the coefficients of V(C) = -gamma2 C^2 / 2 + weight <Phi Phi>_C.",
        (h,),
        (("f", f), ("Phi", nl.antiderivative(h)), ("df", sp.diff(f, h)),
         ("gamma2", (gamma**2).subs(gate_values)), ("weight", sp.sympify(weight).subs(gate_values))),
    ))
