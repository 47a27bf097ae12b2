"""Adjoint (backpropagation-through-time) equations and parameter gradients, per unit.

Notes
-----
For L = int_0^T l(x(t)) dt and dx/dt = F(x), the adjoint obeys -d lambda/dt = (dF/dx)^T lambda
+ dl/dx, lambda(T) = 0. With the Jacobian factors (derivations.jacobian), per unit:

    mu_k   = sum_a A_ak lambda_a                   (what the adjoint sends back on channel k)
    nu_k   = (J^k)^T mu_k
    -d lambda_b/dt = sum_a L_ab lambda_a + sum_k B_kb nu_k + dl/dx_b

    dL/dJ^k_ij = int mu_k,i s_k(x_j) dt
    dL/dtheta  = int sum_i [ sum_a lambda_a df_a/dtheta + sum_k nu_k ds_k/dtheta ] dt.

Mean-field adjoint: in the DMFT the back-projected nu_k is a Gaussian field with
<nu_k(t) nu_k(t')> = <mu_k(t) mu_k(t')> (J^T has the statistics of J), treated as independent of
the forward fields (the usual gradient-independence assumption; to be checked by simulation).
"""

from __future__ import annotations

import sympy as sp

from .display import latex as show
from .dmft import constant_gates
from .jacobian import factors
from .model import UnitModel
from .records import Equation, Kernel, Section


def derive(model: UnitModel) -> Section:
    sec = Section("adjoint", "Adjoint equations and gradients")
    L, A, B = factors(model)
    lam = [sp.Symbol(f"lambda_{x}", real=True) for x in model.state]
    nu = [sp.Symbol(f"nu_{c.name}", real=True) for c in model.channels]
    n, K = len(lam), len(nu)
    mu = [sp.Add(*[A[a, k] * lam[a] for a in range(n)]) for k in range(K)]
    local = [sp.Add(*[L[a, b] * lam[a] for a in range(n)]) for b in range(n)]
    for k, ch in enumerate(model.channels):
        sec.equations.append(Equation(f"mu_{ch.name}", sp.Symbol(f"\\mu_{{{ch.name}}}"), mu[k],
                                      note=f"$\\nu_{{{ch.name}}} = ({ch.coupling_latex})^T \\mu_{{{ch.name}}}$"))
    for b, x in enumerate(model.state):
        rhs = local[b] + sp.Add(*[B[k, b] * nu[k] for k in range(K)]) + sp.Symbol(f"\\partial l/\\partial {x}")
        sec.equations.append(Equation(f"adjoint {x}", sp.Symbol(f"-\\dot\\lambda_{{{x}}}"), rhs))
    for k, ch in enumerate(model.channels):
        sec.equations.append(Equation(f"dL/dJ{ch.name}", sp.Symbol(f"\\partial L/\\partial {ch.coupling_latex}_{{ij}}"),
                                      sp.Symbol(f"\\int dt\\, \\mu_{{{ch.name},i}}") * ch.sends.subs(
                                          {x: sp.Symbol(f"{x}_j") for x in model.state})))
    grads = []
    drift = [model.concrete(f) for f in model.drift]
    sends = [model.concrete(s) for s in model.sends]
    for theta in model.parameters:
        # parameters inside the nonlinearities: differentiate the concrete definitions
        g = sp.Add(*[lam[a] * sp.diff(drift[a], theta) for a in range(n)]) + sp.Add(
            *[nu[k] * sp.diff(sends[k], theta) for k in range(K)])
        grads.append((f"d_{theta}", g))
        sec.equations.append(Equation(f"dL/d{theta}", sp.Symbol(f"\\partial L/\\partial {sp.latex(theta)}"),
                                      sp.Symbol("\\int dt \\sum_i") * g))
    sec.kernels.append(Kernel(
        "adjoint_terms",
        "Per-unit adjoint terms: local part sum_a L_ab lambda_a (per state b) and the back-sent "
        "mu_k = sum_a A_ak lambda_a; then -dlambda_b/dt = local_b + sum_k B_kb (J^k)^T mu_k + dl/dx_b.",
        model.state + model.fields + tuple(lam),
        tuple((f"local_{x}", local[b]) for b, x in enumerate(model.state))
        + tuple((f"mu_{c.name}", mu[k]) for k, c in enumerate(model.channels)),
    ))
    sec.kernels.append(Kernel(
        "parameter_gradient_density",
        "Integrand (per unit and time) of dL/dtheta for every parameter theta, given lambda and "
        "nu_k = (J^k)^T mu_k; sum over units and integrate over time.",
        model.state + model.fields + tuple(lam) + tuple(nu), tuple(grads),
    ))
    sec.data["GRADIENT_PARAMETERS"] = tuple(str(t) for t in model.parameters)
    _constant_gate_closure(model, sec, L, A, B)
    return sec


def _constant_gate_closure(model: UnitModel, sec: Section, L, A, B) -> None:
    """Constant gates: the homogeneous adjoint closes on lambda_h (the other lambdas decay) and its
    correlation obeys the tangent (Lyapunov) equation with weight (b c / gamma)^2 (theory/adjoint_mft.py).

    In backward time s: d lambda_b/ds = sum_a L_ab lambda_a + sum_k B_kb nu_k. With constant gates,
    if lambda_h feeds no other adjoint (L_hb = 0 and B_kb = 0 wherever nu_k contains lambda_h) the
    others relax on their own (gate filters) and lambda_h closes: d lambda_h/ds = -gamma lambda_h +
    b f(h) nu_k, nu_k = (J^k)^T (c lambda_h), gamma = -L_hh, c = A_hk, b f = B_kh: the same gamma,
    b, c as the tangent problem (derivations/tangent.py), because the adjoint uses the transposed
    factors of the same Jacobian. Recorded only when the closure holds (not for gates with slope).
    """
    n, K = L.shape[0], A.shape[1]
    Lc, Ac, Bc = (constant_gates(model, M) for M in (L, A, B))
    # lambda_h feeds lambda_b (b != h) through L_hb or through B_kb nu_k with nu_k containing lambda_h
    fed_by_h = any(Lc[0, b] != 0 for b in range(1, n)) or any(
        Bc[kk, b] != 0 and Ac[0, kk] != 0 for kk in range(K) for b in range(1, n))
    hk = [kk for kk in range(K) if Ac[0, kk] != 0]
    if fed_by_h or len(hk) != 1:
        return
    k = hk[0]
    h = model.state[0]
    gamma, c = -Lc[0, 0], Ac[0, k]
    b, f = Bc[k, 0].as_independent(h, as_Add=False)
    s1, s2 = sp.symbols("s s'", real=True)
    C = sp.Function("C_\\lambda")(s1, s2)
    weight = sp.simplify((b * c / gamma) ** 2)
    lhs = sp.Derivative(C, s1, s2) + gamma * (sp.Derivative(C, s1) + sp.Derivative(C, s2)) + gamma ** 2 * C
    rhs = gamma ** 2 * weight * sp.Function(f"C_{{{show(f)}}}")(s1 - s2) * C
    sec.equations.append(Equation(
        "adjoint correlation (constant gates)", lhs, rhs,
        note=(f"backward time s; $\\nu = ({model.channels[k].coupling_latex})^T (c\\,\\lambda_h)$ Gaussian with "
              f"the statistics of the forward field (gradient independence); same weight "
              f"$w = (b c/\\gamma)^2 = {sp.latex(weight)}$ and $\\gamma = {sp.latex(gamma)}$ as the tangent problem, "
              f"so $C_\\lambda = e^{{\\lambda_{{max}}(s+s')}}\\psi_0(s-s')$")))
