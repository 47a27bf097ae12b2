"""Tangent (variational) equations, single-site tangent DMFT, and the constant-gate Lyapunov problem.

Notes
-----
Network: d(dx_a)/dt = sum_b L_ab dx_b + sum_k A_ak d(eta_k), d(eta_k) = J^k sum_b [B_kb] dx_b.
Single site: d(eta_k) is Gaussian with <d eta_k(t) d eta_k(t')> = <(B dx)_k(t) (B dx)_k(t')>.

Constant gates: if dh closes on itself, d(dh)/dt = -gamma dh + c d(eta_h) with
B_hh = b f(h), the ansatz C_dh = exp(lambda (t + t')) psi(t - t') gives, in u = gamma (t - t'),

    -psi'' + (1 - (b c / gamma)^2 C_f(u / gamma)) psi = E psi,   lambda = gamma (-1 + sqrt(1 - E)),

so the largest exponent comes from the ground energy E0.
"""

from __future__ import annotations

import sympy as sp

from .display import latex as show
from .dmft import constant_gates, linear_filter
from .jacobian import factors
from .model import UnitModel
from .records import Equation, Kernel, Section


def derive(model: UnitModel) -> Section:
    sec = Section("tangent", "Tangent equations and Lyapunov exponent (DMFT)")
    L, A, B = factors(model)
    dx = [sp.Symbol(f"delta_{x}", real=True) for x in model.state]
    deta = [sp.Symbol(f"delta_eta_{c.name}", real=True) for c in model.channels]
    dsend = B * sp.Matrix(dx)
    for a, x in enumerate(model.state):
        rhs = sum(L[a, b] * dx[b] for b in range(len(dx))) + sum(A[a, k] * deta[k] for k in range(len(deta)))
        sec.equations.append(Equation(f"tangent {x}", sp.Symbol(f"\\dot{{\\delta {x}}}"), rhs))
    for k, ch in enumerate(model.channels):
        sec.equations.append(Equation(
            f"tangent field {ch.name}", sp.Symbol(f"\\delta\\eta_{{{ch.name}}}"),
            sp.Symbol(f"{ch.coupling_latex}") * dsend[k],
            note=f"network; in the DMFT a Gaussian field with the correlation of ${show(dsend[k])}$",
        ))
    sec.kernels.append(Kernel(
        "tangent_field",
        "Tangent velocity given tangent state and tangent fields (network: delta_eta = J^k (B delta_x)).",
        model.state + model.fields + tuple(dx) + tuple(deta),
        tuple((f"d_delta_{x}_dt", sum(L[a, b] * dx[b] for b in range(len(dx))) + sum(A[a, k] * deta[k] for k in range(len(deta))))
              for a, x in enumerate(model.state)),
    ))
    sec.kernels.append(Kernel(
        "tangent_sends", "What a unit sends in the tangent dynamics, (B delta_x)_k.",
        model.state + tuple(dx), tuple((f"delta_s_{c.name}", dsend[k]) for k, c in enumerate(model.channels)),
    ))
    # constant gates: Lyapunov exponent from a Schroedinger ground state
    h = model.state[0]
    Lc, Ac, Bc = (constant_gates(model, M) for M in (L, A, B))
    closed = all(Lc[0, b] == 0 for b in range(1, len(dx))) and all(
        Ac[0, k] == 0 or all(Bc[k, b] == 0 for b in range(1, len(dx))) for k in range(len(deta)))
    hk = [k for k in range(len(deta)) if Ac[0, k] != 0]
    if closed and len(hk) == 1 and linear_filter(model, h, constant_gates(model, model.drift[0])) is not None:
        k = hk[0]
        gamma, c = -Lc[0, 0], Ac[0, k]
        b, f = Bc[k, 0].as_independent(h, as_Add=False)
        E0, lam_max = sp.symbols("E_0 lambda_max", real=True)
        lam = sp.Symbol("lambda", real=True)
        E_of_lam = 1 - (1 + lam / gamma) ** 2
        roots = sp.solve(sp.Eq(E0, E_of_lam), lam)
        lam_sol = max(roots, key=lambda e: e.subs({E0: 0, **{s: sp.Rational(1, 2) for s in e.free_symbols - {E0}}}))
        weight = sp.simplify((b * c / gamma) ** 2)
        u = sp.Symbol("u", real=True)
        psi = sp.Function("psi")(u)
        sec.equations.append(Equation(
            "lyapunov schroedinger", -sp.Derivative(psi, u, 2) + (1 - weight * sp.Function(f"C_{{{show(f)}}}")(u / gamma)) * psi,
            E0 * psi, note="constant gates (alpha = 0); ground energy E_0",
        ))
        sec.equations.append(Equation("lambda_max", lam_max, lam_sol, note="constant gates"))
        gate_values = {sp.Symbol("s_" + nl.function.__name__.split("_")[-1], positive=True): model.constant_gate(nl)
                       for nl in model.gates}
        lam_sol_code, weight_code, gamma_code = (sp.sympify(e).subs(gate_values) for e in (lam_sol, weight, gamma))
        sec.kernels.append(Kernel(
            "lyapunov_constant_gates",
            "Constant gates: lambda_max from the ground energy E0, and the potential weight w "
            "in V(u) = 1 - w C_f(u / gamma), with the time scale gamma.",
            (E0,), (("lambda_max", lam_sol_code), ("potential_weight", weight_code), ("gamma", gamma_code)),
        ))
        sec.data["LYAPUNOV_POTENTIAL_FUNCTION"] = str(f)
    _two_replica_output_gate(model, sec)
    return sec


def two_replica_operator(gamma, lam, psi, t, s):
    """(d/dt + gamma)(d/ds + gamma) applied to exp(lam (t + s)) psi(t - s), divided by the exponential."""
    expr = sp.exp(lam * (t + s)) * psi(t - s)
    out = sp.diff(expr, t, s) + gamma * (sp.diff(expr, t) + sp.diff(expr, s)) + gamma**2 * expr
    return sp.simplify(out / sp.exp(lam * (t + s)))


def _two_replica_output_gate(model: UnitModel, sec: Section) -> None:
    """Linearised two-replica DMFT for a constant update gate and a fluctuating output gate.

    Two replicas a, b of the single site with the same fields up to a small decorrelation:
    (d_t + gamma_h)(d_s + gamma_h) C_h^ab(t, s) = c2_h C_g^ab C_f^ab and
    (d_t + gamma_x)(d_s + gamma_x) C_x^ab = c2_x C_f^ab (lag equations of ``dmft``, valid
    at t != s for the replica covariances). Perturbing C^ab = C(t - s) - delta C with the
    equal-time variances fixed, Price's theorem gives delta C_f = C_{f'} delta C_h,
    delta C_g = C_{g'} delta C_x; with delta C = exp(2 lambda T) psi(tau), T = (t + s)/2,
    tau = t - s, the operator becomes (lambda + gamma)^2 - d^2/dtau^2 (checked symbolically).
    """
    if "OUTPUT_GATE_LAG" not in _dmft_data(model):
        return
    gh2, c2h, gx2, c2x = sp.symbols("gamma_h^2 c_h^2 gamma_x^2 c_x^2", positive=True)
    lam = sp.Symbol("lambda", real=True)
    t, s, tt = sp.symbols("t s tau", real=True)
    psi = sp.Function("psi")
    for gamma in (sp.sqrt(gh2), sp.sqrt(gx2)):
        got = two_replica_operator(gamma, lam, psi, t, s)
        want = ((lam + gamma) ** 2 * psi(t - s) - sp.diff(psi(t - s), t, 2))
        if sp.simplify(got - want) != 0:
            raise AssertionError(f"two-replica operator: {got} != {want}")
    h_name, x_name = _dmft_data(model)["OUTPUT_GATE_LAG"]
    ph, px = sp.Function(f"psi_{h_name}")(tt), sp.Function(f"psi_{x_name}")(tt)
    Cf, Cdf = sp.Function("C_f")(tt), sp.Function("C_{f'}")(tt)
    Cg, Cdg = sp.Function("C_g")(tt), sp.Function("C_{g'}")(tt)
    sec.equations.append(Equation(
        f"two-replica {h_name} (output gate)",
        (lam + sp.sqrt(gh2)) ** 2 * ph - sp.Derivative(ph, tt, 2),
        c2h * (Cg * Cdf * ph + Cf * Cdg * px),
        note="linearised two-replica DMFT, $\\delta C = e^{2\\lambda T}\\psi(\\tau)$; lambda_max = "
        "largest lambda with a bounded solution; f, g, coefficients from `output_gate_lag_terms`",
    ))
    sec.equations.append(Equation(
        f"two-replica {x_name} (output gate)",
        (lam + sp.sqrt(gx2)) ** 2 * px - sp.Derivative(px, tt, 2), c2x * Cdf * ph,
    ))


def _dmft_data(model: UnitModel) -> dict:
    from . import dmft
    return dmft.derive(model).data
