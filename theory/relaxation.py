"""lambda_max vs the relaxation time over (g_h, alpha_z): both sides of the relation, with errors.

The relation (:mod:`theory.dmft`, exact for h Gaussian, i.e. alpha_z = alpha_r = 0): C_h' is the
E1 = 0 state of the Schroedinger operator whose ground state E0 gives lambda_max, and near onset
(Poeschl-Teller limit)

    lambda_max = gamma (sqrt(1 + 3 / (gamma tau_tail)^2) - 1),   tau_relax = (pi / 2) tau_tail,

with gamma = s_z. For alpha_z > 0, h is not Gaussian, the zero-mode argument does not apply, and
the table measures how far the relation carries: lambda_max from the sampled tangent DMFT
(:func:`theory.dmft_tangent_sampling.lambda_max_sampling`), tau_relax from the sampling DMFT
(:func:`theory.dmft_sampling.solve_dmft_sampling`), gamma = <sigma_z(z)> over the stationary z
(1/2 at beta_z = 0 for every alpha_z, by the symmetry z -> -z), and the right-hand side evaluated
with the tail time replaced by (2 / pi) tau_relax (the sampled C_h has no closed-form tail).

Measured (beta = 0; sampled rows: n_paths 128 x 8 chains, dt 0.1, tangent 256 paths (512 at
g_h = 4), seed 0; notebook 06 section 4 computes the table):

    g_h  alpha_z  lambda_max       tau_relax     lambda tau_relax  PT(2 tau_relax / pi)  ratio
    3    0        0.0234           18.89         0.442             0.0203                1.15
    4    0        0.0562           13.02         0.732             0.0419                1.34
    5    0        0.0881           11.03         0.972             0.0575                1.53
    3    2        0.0210(61)       27.2(1.6)     0.57(17)          0.0099(12)            2.1(7)
    4    2        0.0530(22)       21.9(1.7)     1.16(10)          0.0152(23)            3.5(6)
    5    2        0.0908(102)      22.0(1.2)     2.00(25)          0.0151(16)            6.0(9)

The update gate stretches tau_relax by 1.4-2x while lambda_max stays within its errors of the
constant-gate value: lambda_max is no longer tied to the relaxation time (the ratio moves from
1.15-1.53 to 2-6). At constant gates the ratio with the true tail time is 1.22, 1.50, 1.77.
"""

from __future__ import annotations

import math

import numpy as np

from .dmft import poeschl_teller_rate, solve_dmft
from .dmft_sampling import solve_dmft_sampling
from .dmft_tangent_sampling import lambda_max_sampling
from .gates import sigmoid
from .gaussian import gaussian_average
from .params import ModelParams

__all__ = ["poeschl_teller_rate", "relaxation_row", "row_from_sampling", "relaxation_table_gates",
           "format_relaxation_table"]


def _mean_gate(params: ModelParams, c_z0: float) -> float:
    """<sigma_z(z)>, z ~ N(0, c_z0)."""
    if params.alpha_z == 0 or c_z0 <= 0:
        return float(sigmoid(np.zeros(1), params.alpha_z, params.beta_z)[0])
    return float(gaussian_average(lambda x: sigmoid(x, params.alpha_z, params.beta_z), c_z0))


def relaxation_row(params: ModelParams, *, exact: bool | None = None, dmft_kwargs=None, tangent_paths: int = 512,
                   seed: int = 0) -> dict:
    """Both sides of the lambda_max / relaxation-time relation at one parameter point.

    Parameters
    ----------
    params : ModelParams
        Gated model, beta_h = 0, no inputs, chaotic.
    exact : bool, optional
        Use the deterministic constant-gate solver (default: when alpha_z = alpha_r = 0).
    dmft_kwargs : dict, optional
        Passed to :func:`solve_dmft_sampling` (``seed`` is added).
    tangent_paths : int
        Paths per evaluation of :func:`lambda_max_sampling`.

    Returns
    -------
    dict with g_h, alpha_z, alpha_r, solver, lambda_max, lambda_max_stderr, tau_relax,
    tau_relax_stderr, gamma, product = lambda_max tau_relax (+ stderr), rhs = Poeschl-Teller rate
    at tau_tail = (2 / pi) tau_relax (+ stderr) and ratio = lambda_max / rhs (+ stderr); for the
    exact solver also tau_tail, rhs_tail (the rate at the true tail time) and ratio_tail.

    Notes
    -----
    Errors: lambda_max and tau_relax are independent estimates (tangent paths drawn afresh), so
    stderr(product)^2 = (tau se_lambda)^2 + (lambda se_tau)^2 and the rhs error is
    |d rhs / d tau_relax| se_tau (central difference); 0 for the exact solver.
    """
    exact = (params.alpha_z == 0 and params.alpha_r == 0) if exact is None else exact
    if exact:
        r = solve_dmft(params)
        gamma = _mean_gate(params, 0.0)
        row = _row(params, "exact", r.lambda_max, 0.0, r.tau_relax, 0.0, gamma)
        row.update(tau_tail=r.tau_tail, rhs_tail=float(poeschl_teller_rate(r.tau_tail, gamma)))
        row["ratio_tail"] = row["lambda_max"] / row["rhs_tail"]
        return row
    s = solve_dmft_sampling(params, seed=seed, progress=False, **(dmft_kwargs or {}))
    return row_from_sampling(s, lambda_max_sampling(s, n_paths=tangent_paths, seed=seed))


def row_from_sampling(solution, tangent) -> dict:
    """:func:`relaxation_row` from an existing sampling solution and its tangent result."""
    p = solution.params
    row = _row(p, "sampling", tangent.lambda_max, tangent.lambda_max_stderr, solution.tau_relax,
               solution.tau_relax_stderr, _mean_gate(p, float(solution.c_z[0])))
    row["delta_h"] = solution.delta_h
    return row


def _row(params, solver, lam, se_l, tau, se_t, gamma) -> dict:
    k = 2.0 / math.pi
    rhs = float(poeschl_teller_rate(k * tau, gamma))
    d = 1e-4 * tau
    drhs = float((poeschl_teller_rate(k * (tau + d), gamma) - poeschl_teller_rate(k * (tau - d), gamma)) / (2 * d))
    se_rhs = abs(drhs) * se_t
    return {"g_h": params.g_h, "alpha_z": params.alpha_z, "alpha_r": params.alpha_r, "solver": solver,
            "lambda_max": lam, "lambda_max_stderr": se_l, "tau_relax": tau, "tau_relax_stderr": se_t,
            "gamma": gamma, "product": lam * tau, "product_stderr": math.hypot(tau * se_l, lam * se_t),
            "rhs": rhs, "rhs_stderr": se_rhs, "ratio": lam / rhs,
            "ratio_stderr": abs(lam / rhs) * math.hypot(se_l / lam if lam else 0.0, se_rhs / rhs)}


def relaxation_table_gates(g_values, alpha_z_values, *, dmft_kwargs=None, tangent_paths: int = 512,
                           seed: int = 0, **model) -> list[dict]:
    """:func:`relaxation_row` over the grid g_values x alpha_z_values (other gate parameters in
    ``model``); the constant-gate points use the exact solver."""
    rows = []
    for g in g_values:
        for az in alpha_z_values:
            p = ModelParams.gated(float(g), alpha_z=float(az), **model)
            rows.append(relaxation_row(p, dmft_kwargs=dmft_kwargs, tangent_paths=tangent_paths, seed=seed))
    return rows


def format_relaxation_table(rows) -> str:
    """Plain-text table of :func:`relaxation_table_gates` rows."""
    out = ["  g_h  alpha_z  solver    lambda_max         tau_relax        lambda*tau_relax   "
           "PT(2 tau_relax/pi)  lambda / PT"]
    for r in rows:
        out.append(f"{r['g_h']:5.2f}  {r['alpha_z']:6.2f}  {r['solver']:8s}  {r['lambda_max']:.4f}+-"
                   f"{r['lambda_max_stderr']:.4f}  {r['tau_relax']:7.2f}+-{r['tau_relax_stderr']:5.2f}  "
                   f"{r['product']:.3f}+-{r['product_stderr']:.3f}      {r['rhs']:.4f}+-{r['rhs_stderr']:.4f}"
                   f"    {r['ratio']:.2f}+-{r['ratio_stderr']:.2f}")
    return "\n".join(out)
