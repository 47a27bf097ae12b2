"""Bulk of the fixed-point Jacobian spectrum: the spectral-curve function F(lambda).

Notes
-----
At a fixed point the Jacobian is [L] + sum_k [A_k] J^k [B_k] (derivations.jacobian). An eigenvector
dx with eigenvalue lambda gives, per unit, dx = (lambda - L)^{-1} A u with u_k = J^k B_k dx the
channel fields, so u_k = J^k sum_l [G_kl] u_l with the per-unit transfer matrix

    G(lambda) = B (lambda - L)^{-1} A        (K x K, one per unit).

For independent iid couplings the fields of different channels are uncorrelated, and lambda lies
in the bulk when the Perron root of

    S_kl(lambda) = < |G_kl(lambda)|^2 >      (average over the fixed-point fields)

exceeds 1. Channels whose S column vanishes do not feed back and are dropped (they leave
eigenvalues at the poles of (lambda - L)^{-1}, e.g. -1/tau_z). The boundary is det(I - S) = 0;
we write it as F(lambda) = 1 with F = 1 - det(I - S), which for the gated model is

    F = S_hh + S_hr S_rh
      = <s_z^2/|lambda + s_z|^2> <phi'^2> (<s_r^2> + <phi^2><s_r'^2>/|1 + tau_r lambda|^2).

Hard update gate (alpha_z -> infinity, beta_z/alpha_z -> theta_z): sigma_z becomes a step; a
fraction f0 = P(z* < theta_z) of units is frozen (s_z = 0) and averages over z become
f0 g(0) + (1 - f0) g(1).
"""

from __future__ import annotations

import sympy as sp

from .averages import AverageRegistry
from .functions import Erfc
from .jacobian import factors
from .model import UnitModel
from .records import AverageMap, Equation, Kernel, Section
from .static_mft import fixed_point, variance_of_field

lam_re, lam_im = sp.symbols("lam_re lam_im", real=True)
lam = sp.Symbol("lambda")  # complex eigenvalue, lam_re + i lam_im in |G|^2
f0 = sp.Symbol("f_0", nonnegative=True)
f_active = sp.Symbol("f_active", nonnegative=True)


def _abs2(expr: sp.Expr) -> sp.Expr:
    """|expr|^2 for an expression real except for lambda, keeping it as a product of factors."""
    expr = expr.subs(lam, lam_re + sp.I * lam_im)
    num, den = sp.fraction(sp.factor(sp.together(expr)))

    def abs2_product(p):
        out = sp.S.One
        for f in sp.Mul.make_args(p):
            base, power = f.as_base_exp()
            if f.is_number:
                out *= sp.Abs(f) ** 2
            elif not base.has(lam_re, lam_im):
                out *= f**2
            else:
                re, im = (sp.expand(part) for part in base.as_real_imag())
                re, im = (-part if part.could_extract_minus_sign() else part for part in (re, im))
                out *= (re**2 + im**2) ** power
        return out

    return abs2_product(num) / abs2_product(den)


def transfer_matrix(model: UnitModel) -> sp.Matrix:
    """G(lambda) = B (lambda - L)^{-1} A at the fixed point x*(eta)."""
    star = fixed_point(model)
    L, A, B = (M.subs(star) for M in factors(model))
    n = len(model.state)
    M = (lam * sp.eye(n) - L).inv()
    return (B * M * A).applyfunc(lambda e: sp.factor(sp.together(e)))


def feedback_channels(S: sp.Matrix) -> list[int]:
    """Channels whose fields feed back (nonzero S column), removed iteratively."""
    keep = list(range(S.shape[0]))
    changed = True
    while changed:
        changed = False
        for l in list(keep):
            if all(S[k, l] == 0 for k in keep):
                keep.remove(l)
                changed = True
    return keep


def _frozen_limit(model: UnitModel, integrand: sp.Expr, variables) -> sp.Expr | None:
    """<integrand> with the update gate as a step: f0 g(0) + (1 - f0) g(1); None if no gate."""
    gate = model.update_gate
    calls = [e for e in integrand.atoms(sp.Function) if e.func == gate]
    if not calls:
        return None
    s = sp.Dummy("s")
    g = integrand.replace(lambda e: isinstance(e, sp.Subs) and e.expr.has(gate), lambda e: sp.S.Zero)
    g = g.subs({c: s for c in calls})
    if g.free_symbols & set(variables):
        raise ValueError(f"{model.name}: update-gate average also depends on other fields: {integrand}")
    return f0 * sp.simplify(g.subs(s, 0)) + (1 - f0) * sp.simplify(g.subs(s, 1))


def active_fraction(model: UnitModel) -> sp.Expr:
    """1 - f0 written with erfc (accurate when almost no unit is frozen... or almost all are)."""
    fr = frozen_fraction(model)
    (arg,) = next(e for e in fr.atoms(sp.Function) if isinstance(e, Erfc)).args
    return Erfc(-arg) / 2


def frozen_fraction(model: UnitModel) -> sp.Expr:
    """f0 = P(z* < theta_z) for the update gate's argument z* = eta_z + c."""
    star = fixed_point(model)
    gate_var = next(x for x in model.state if any(
        isinstance(a, sp.Function) and a.func == model.update_gate and a.args == (x,) for a in sp.preorder_traversal(sp.Add(*model.drift))
    ))
    arg = star[gate_var]
    field = next(iter(arg.free_symbols & set(model.fields)))
    c = sp.expand(arg - field)
    if c.has(field) or c.free_symbols & set(model.fields):
        raise ValueError(f"{model.name}: update gate argument {arg} is not eta + const")
    D = variance_of_field(model)(field)
    theta = sp.Symbol(f"theta_{gate_var}", real=True)
    return Erfc((c - theta) / sp.sqrt(2 * D)) / 2  # erfc: full relative precision in the tail


def derive(model: UnitModel) -> Section:
    sec = Section("spectral", "Spectral curve of the fixed-point Jacobian", intro=(
        "Per-unit transfer matrix $G(\\lambda) = B(\\lambda - L)^{-1}A$ at the fixed point; "
        "$S_{kl} = \\langle |G_{kl}|^2 \\rangle$; the bulk is $F(\\lambda) \\ge 1$ with "
        "$F = 1 - \\det(I - S)$ over the channels that feed back. $\\lambda = \\lambda_r + i \\lambda_i$."
    ))
    G = transfer_matrix(model)
    K = len(model.channels)
    names = [c.name for c in model.channels]
    for k in range(K):
        for l in range(K):
            if G[k, l] != 0:
                sec.equations.append(Equation(f"G_{names[k]}{names[l]}", sp.Symbol(f"G_{{{names[k]}{names[l]}}}"),
                                              G[k, l]))
    reg = AverageRegistry("B_", variance_of_field(model))
    S_coded = sp.zeros(K, K)
    S_shown = sp.zeros(K, K)
    for k in range(K):
        for l in range(K):
            if G[k, l] != 0:
                S_coded[k, l], S_shown[k, l] = reg.mean(_abs2(G[k, l]), model.fields)
    keep = feedback_channels(S_coded)
    S_sym = sp.Matrix(K, K, lambda k, l: sp.Symbol(f"S_{names[k]}{names[l]}", real=True) if S_coded[k, l] != 0 else 0)
    Sr = S_sym.extract(keep, keep)
    F_in_S = sp.expand(1 - (sp.eye(len(keep)) - Sr).det())
    S_map = {S_sym[k, l]: S_coded[k, l] for k in range(K) for l in range(K) if S_coded[k, l] != 0}
    for k in range(K):
        for l in range(K):
            if S_coded[k, l] != 0:
                sec.equations.append(Equation(f"S_{names[k]}{names[l]}", S_sym[k, l], S_shown[k, l]))
    sec.equations.append(Equation("F", sp.Function("F")(sp.Symbol("lambda")), F_in_S,
                                  note="channels that feed back: " + ", ".join(names[i] for i in keep)))
    F_coded = F_in_S.subs(S_map)
    F_shown = sp.factor_terms(F_in_S.subs({s: S_shown[k, l] for k in range(K) for l in range(K)
                                           for s in [S_sym[k, l]] if s != 0}))
    sec.equations.append(Equation("F explicit", sp.Function("F")(sp.Symbol("lambda")), F_shown))
    F0 = sp.simplify(F_shown.subs({lam_re: 0, lam_im: 0}))
    sec.equations.append(Equation("F(0)", sp.Function("F")(0), F0, note="at lambda = 0 (no update-gate dependence)"))
    avg_syms = tuple(sp.Symbol(a.name, real=True) for a in reg.averages)
    outputs = (("F", F_coded),) + tuple((str(s), e) for s, e in S_map.items())
    combine = Kernel("spectral_combine", "F(lambda) and the S_kl(lambda) from the averages.",
                     avg_syms + model.variances + (lam_re, lam_im), outputs)
    sec.average_maps.append(AverageMap(
        "spectral_curve",
        "F(lambda) at lambda = lam_re + i lam_im, given the fixed-point field variances D_k (bulk: F >= 1).",
        model.variances, (lam_re, lam_im), tuple(reg.averages), combine,
    ))
    sec.data["feedback_channels"] = [names[i] for i in keep]

    if model.update_gate is not None:
        frozen_sub, used = {}, []
        for a, sym in zip(reg.averages, avg_syms):
            limit = _frozen_limit(model, a.integrand, a.variables)
            if limit is None:
                if F_coded.has(sym):
                    used.append(a)
                continue
            frozen_sub[sym] = limit
        F_frozen = sp.factor_terms(sp.simplify(F_coded.subs(frozen_sub)))
        fr = frozen_fraction(model)
        sec.equations.append(Equation("f0", f0, fr, note="frozen fraction, $\\theta$ = lim $\\beta/\\alpha$ of the update gate"))
        shown_frozen = F_frozen.subs({sp.Symbol(a.name, real=True): reg.display(sp.Symbol(a.name)) for a in used})
        sec.equations.append(Equation("F frozen", sp.Function("F_{\\infty}")(sp.Symbol("lambda")), shown_frozen,
                                      note="update gate as a step ($\\alpha \\to \\infty$), $\\lambda \\neq 0$"))
        F0_frozen = sp.simplify(shown_frozen.subs({lam_re: 0, lam_im: 0}))
        sec.equations.append(Equation("F frozen (0)", sp.Function("F_{\\infty}")(0), F0_frozen,
                                      note="marginal stability of a fixed point when this is < 1"))
        used_syms = tuple(sp.Symbol(a.name, real=True) for a in used)
        combine_frozen = Kernel(
            "spectral_combine_frozen", "F(lambda) with the update gate as a step, and f0.",
            used_syms + model.variances + (lam_re, lam_im),
            (("F", sp.factor(F_frozen.subs(f0, 1 - f_active)).subs(f_active, active_fraction(model))),
             ("f0", fr)),
        )
        sec.average_maps.append(AverageMap(
            "spectral_curve_frozen",
            "F(lambda) in the hard update-gate limit alpha_z -> infinity (lambda != 0) and the frozen fraction f0.",
            model.variances, (lam_re, lam_im), tuple(used), combine_frozen,
        ))
    sec.data["registry"] = reg
    return sec
