"""Kac-Rice counting of fixed points: field-space equations, per-unit factors, density, Schur form.

Notes
-----
At a fixed point every unit sits at x*(eta) (derivations.static_mft.fixed_point), so fixed points
are the zeros of the field-space map

    G_k(eta) = -eta_k + J^k s_k(x*(eta)),     k over the channels,

with Jacobian M = -I + J^ T, J^ = blockdiag(J^k) and the per-unit factor matrix
T_kl = d s_k(x*(eta)) / d eta_l (diagonal over units). A channel l with T_kl = 0 for all k (the
update-gate channel z: nothing depends on eta_z) contributes a block -I and a factor 1 to |det M|;
it is dropped (same rule as derivations.spectral.feedback_channels).

Kac-Rice: E[#] = int d eta p(eta) E[|det M| | G = 0]. Given eta, J^k s_k ~ N(0, Q_k I) with
Q_k = |s_k|^2 / N, independent across channels, so per unit the log density is

    log p_unit = sum_k [ -eta_k^2 / (2 Q_k) - log(2 pi Q_k) / 2 ].

For the empirical law mu = prod_k N(0, D_k) the entropy sum_k log(2 pi e D_k) / 2 and <log p_unit>
cancel exactly when D_k = Q_k (the static mean-field equations): derived below.
For the gated model (kept channels h, r, T_rr = 0) the Schur complement on the r block gives
|det M| = |det(-I + J^h ([T_hh] + [T_hr] J^r [T_rh]))|.
"""

from __future__ import annotations

import sympy as sp

from .model import UnitModel
from .records import Equation, Kernel, Section
from .spectral import feedback_channels
from .static_mft import fixed_point


def factor_matrix(model: UnitModel) -> sp.Matrix:
    """T_kl = d s_k(x*(eta)) / d eta_l (K x K)."""
    star = fixed_point(model)
    sends = [c.sends.subs(star) for c in model.channels]
    return sp.Matrix(len(sends), len(model.fields), lambda k, l: sp.diff(sends[k], model.fields[l]))


def gaussian_cancellation(n_channels: int) -> sp.Expr:
    """Entropy + <log p_unit> for mu = prod N(0, D_k), at D_k = Q_k (returns the simplified value)."""
    total = sp.S.Zero
    for k in range(n_channels):
        D, Q = sp.symbols(f"D_{k} Q_{k}", positive=True)
        entropy = sp.log(2 * sp.pi * sp.E * D) / 2
        density = -D / (2 * Q) - sp.log(2 * sp.pi * Q) / 2  # <eta^2> = D
        total += (entropy + density).subs(Q, D)
    return sp.simplify(sp.expand_log(total, force=True))


def schur_reduction():
    """(|det M| as a block determinant, its Schur form) for two channels with T_rr = 0."""
    n = sp.Symbol("N", integer=True, positive=True)
    Jh, Jr, Thh, Thr, Trh = (sp.MatrixSymbol(s, n, n) for s in ("J^h", "J^r", "T_{hh}", "T_{hr}", "T_{rh}"))
    I = sp.Identity(n)
    M = sp.BlockMatrix([[-I + Jh * Thh, Jh * Thr], [Jr * Trh, -I]])
    return M, M.schur("D")


def derive(model: UnitModel) -> Section:
    sec = Section("complexity", "Kac-Rice complexity of fixed points", intro=(
        "Fixed points are the zeros of $G_k(\\eta) = -\\eta_k + J^k s_k(x^*(\\eta))$; Jacobian "
        "$M = -I + \\hat J T$ with $\\hat J = \\mathrm{blockdiag}(J^k)$ and per-unit factors "
        "$T_{kl} = \\partial s_k(x^*)/\\partial \\eta_l$. Kac-Rice: "
        "$E\\#= \\int d\\eta\\, p(\\eta)\\, E[|\\det M|\\,|\\,G=0]$, $J^k s_k \\sim N(0, D_k I)$ with $D_k = |s_k|^2/N$ given the state (equal to the mean-field variance on a static branch). "
        "Channels that do not feed back (column of $T$ zero) contribute a factor 1 and are dropped."
    ))
    T = factor_matrix(model)
    names = [c.name for c in model.channels]
    keep = feedback_channels(T)
    outputs = []
    for k in keep:
        for l in keep:
            if T[k, l] != 0:
                label = f"T_{names[k]}_{names[l]}"
                sec.equations.append(Equation(label, sp.Symbol(f"T_{{{names[k]}{names[l]}}}"), T[k, l]))
                outputs.append((label, T[k, l]))
    frob = sp.Add(*[e**2 for _, e in outputs])
    sends = tuple((f"s_{names[k]}", model.channels[k].sends.subs(fixed_point(model))) for k in keep)
    sec.kernels.append(Kernel(
        "kac_rice_factors",
        "Per-unit Kac-Rice factors T_kl of the kept channels (KAC_RICE_FACTORS), sum_kl T_kl^2, and the sends s_k.",
        model.fields, tuple(outputs) + (("T_frobenius2", frob),) + sends,
        notes="M = -I + blockdiag(J^k) [T]; (1/N) E tr(M M^T) = K + <sum_kl T_kl^2>",
    ))
    # the field variance given the state, Q_k = |s_k|^2 / N, is named like the mean-field variance
    # D_k (equal on a static branch)
    Qs = tuple(model.channels[k].variance for k in keep)
    log_p = sp.Add(*[-model.fields[k] ** 2 / (2 * Q) - sp.log(2 * sp.pi * Q) / 2 for k, Q in zip(keep, Qs)])
    sec.equations.append(Equation("log density", sp.Symbol("\\log p_{unit}"), log_p,
                                  note="$D_k = |s_k|^2/N$, the field variance given the state"))
    sec.kernels.append(Kernel(
        "kac_rice_log_density", "Per-unit log density of the fields, given their variances D_k = |s_k|^2 / N.",
        tuple(model.fields[k] for k in keep) + Qs, (("log_p", log_p),), parameters=(),
    ))
    cancel = gaussian_cancellation(len(keep))
    if cancel != 0:
        raise AssertionError(f"{model.name}: entropy and density do not cancel at D = Q: {cancel}")
    sec.equations.append(Equation(
        "Gaussian bound", "S[\\mu] + \\langle \\log p_{unit} \\rangle_\\mu", cancel,
        note="$\\mu = \\prod_k N(0, D_k)$ at a static branch $D_k = Q_k$: Sigma_G = (1/N) E log|det M| there",
    ))
    if len(keep) == 2 and T[keep[1], keep[1]] == 0:
        M, schur = schur_reduction()
        sec.equations.append(Equation("Schur", sp.Determinant(M), (-1) ** M.blocks[1, 1].shape[0] * sp.Determinant(schur),
                                      note="Schur complement on the $-I$ block; $T_{kl}$ diagonal over units"))
        sec.data["schur"] = (M, schur)
    sec.data["KAC_RICE_CHANNELS"] = tuple(names[k] for k in keep)
    sec.data["KAC_RICE_FACTORS"] = tuple(n for n, _ in outputs)
    return sec
