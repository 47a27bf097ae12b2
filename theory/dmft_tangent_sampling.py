"""lambda_max from the tangent DMFT on sampled single-site paths (any alpha_z, alpha_r).

Tangent single site (generated kernels ``tangent_field``, ``correlation_factors`` of
``derivations/tangent.py``): along the stationary sampled paths (h, z, r),

    d(dh)/dt = sigma_z(z)(-dh + d_eta_h) + sigma_z'(z)(-h + eta_h) dz,
    tau_z d(dz)/dt = -dz + d_eta_z,    tau_r d(dr)/dt = -dr + d_eta_r,

with Gaussian tangent fields whose correlations are those of the tangent sends:
<d_eta_z d_eta_z> = <d_eta_r d_eta_r> = C_{phi' dh} and, since (r, dr) are independent of (h, dh)
and every average linear in dh or dr vanishes,

    <d_eta_h d_eta_h> = C_{phi' dh} C_{sigma_r} + C_phi C_{sigma_r'} C_dr.

Tangent fields independent of the state fields: the linear cross-covariance
K(t, t') = (1/N) sum_j s_j(t) ds_j(t') is set to 0. This is an invariant sector, not an
approximation of the dynamics: writing d_eta = A[eta] + xi (A linear in K, xi independent of eta),
K_new = E[s dS[A eta]] depends on K alone (linear, homogeneous), and the tangent-send correlation
obeys C_new = T[C] + O(K^2). So K = 0 is self-consistent and lambda below is an exact exponent of
the DMFT; modes with K != 0 (the odd sector of the two-replica DMFT, e.g. the time shift
dx ~ dx/dt with K = dC_s/dt' and lambda = 0) grow at their own rate, and the DMFT lambda_max is
the larger of the two, never below the value computed here. Replica exchange (K -> -K) shows
only that K = 0 is invariant, not that K vanishes for every tangent vector. With
exponential growth dx = e^{lambda t} y, y is stationary; its equations have the extra decay
-lambda y, and the filters become S / ((1 + tau lambda)^2 + tau^2 omega^2). Self-consistency:
P = C_{phi' y} is an eigenfunction with eigenvalue mu(lambda) = 1 of the positive linear map
T_lambda: P -> C_{phi' y}[P]; mu decreases with lambda and lambda_max is the root. At constant
gates this is exactly the Schroedinger problem of :mod:`theory.dmft` (ground state E0, lambda =
s_z(-1 + sqrt(1 - E0))), which the tests use as the reference.

Numerics: P is power-iterated at each lambda (normalised to P(0) = 1; mu = P_new(0)); log mu is
evaluated at three lambdas around the current estimate, fitted by a straight line and the root
taken; this is repeated around the root, and rounds continue until the root lies inside the three
lambdas of its own fit (an extrapolated root is biased by the curvature of log mu and by the
power iteration not yet settled: measured at g_h = 6, alpha_z = 10, two rounds ended on the
extrapolated roots 0.1036 and 0.0905 (3 and 10 power steps), the bracketed third round at 0.1088).
The error comes from the batch-to-batch spread of mu at each lambda, propagated through the fit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .dmft_sampling import (FieldModel, SamplingDMFTResult, _check_int, _Grid, field_spectra, lag_correlation,
                            periodic_spectrum, sample_stationary_paths)
from .errors import ConvergenceError

__all__ = ["TangentResult", "lambda_max_sampling"]


@dataclass(frozen=True)
class TangentResult:
    """lambda_max of the sampled tangent DMFT.

    Attributes
    ----------
    lambda_max, lambda_max_stderr : float
    lambdas, log_mu : ndarray
        The last lambdas evaluated and log mu there (mean over batches).
    p : ndarray
        The tangent-send correlation C_{phi' y}(tau) / C_{phi' y}(0) at the last lambda.
    history : list
        Root estimates per round.
    """

    lambda_max: float
    lambda_max_stderr: float
    lambdas: np.ndarray
    log_mu: np.ndarray
    p: np.ndarray
    history: list = field(default_factory=list)


def _tangent_step(model, grid, sp, p, lam, n_paths, n_batches, rng):
    """One application of T_lambda to P (normalised); returns per-batch P_new."""
    fine_p = grid.to_fine(p)
    s_p = periodic_spectrum(fine_p)
    den_z = (1 + model.tau_z * lam) ** 2 + (model.tau_z * grid.omega) ** 2
    den_r = (1 + model.tau_r * lam) ** 2 + (model.tau_r * grid.omega) ** 2
    c_dr = np.fft.irfft(s_p / den_r, grid.m)[: grid.m // 2 + 1]
    k_h = fine_p * sp["c_sr"] + sp["fine"] * sp["c_dsr"] * c_dr
    eta = sample_stationary_paths(sp["s_eta"], n_paths, rng)
    deta = sample_stationary_paths(periodic_spectrum(k_h), n_paths, rng)
    if model.gated:
        z = sample_stationary_paths(sp["s_z"], n_paths, rng)
        dz = sample_stationary_paths(s_p / den_z, n_paths, rng)
    else:
        z = dz = np.zeros_like(eta)
    q = _integrate_tangent(model, grid, eta, z, deta, dz, lam)
    pc = lag_correlation(q, grid.n_lag)
    return np.stack([pc[:, b].mean(1) for b in np.array_split(np.arange(n_paths), n_batches)])


def _integrate_tangent(model, grid, eta, z, deta, dz, lam):
    """RK4 for (h, y): dh/dt from ``vector_field``, dy/dt = ``tangent_field`` - lambda y; returns
    phi'(h) y on the dt grid after the burn-in."""
    dt = grid.dt
    gen = model.gen
    if model.gated:
        kw = {k: getattr(model.params, k) for k in gen.tangent_field.parameters}

        def fy(h, zz, e, y, dzz, de):
            return gen.tangent_field(h, zz, 0.0, e, 0.0, 0.0, y, dzz, 0.0, de, 0.0, 0.0, **kw)[0] - lam * y
    else:
        def fy(h, zz, e, y, dzz, de):
            return gen.tangent_field(h, e, y, de) - lam * y
    f = model.dh_dt
    h = eta[0].copy()
    y = deta[0].copy()
    keep = grid.n_steps - grid.n_burn + 1
    out = np.empty((keep, eta.shape[1]))
    for n in range(grid.n_steps):
        if n >= grid.n_burn:
            out[n - grid.n_burn] = model.factors(h, np.zeros(1))[1] * y
        i, j = 2 * n, (2 * n + 2) % grid.m
        a1, b1 = f(h, z[i], eta[i]), fy(h, z[i], eta[i], y, dz[i], deta[i])
        h2, y2 = h + 0.5 * dt * a1, y + 0.5 * dt * b1
        a2, b2 = f(h2, z[i + 1], eta[i + 1]), fy(h2, z[i + 1], eta[i + 1], y2, dz[i + 1], deta[i + 1])
        h3, y3 = h + 0.5 * dt * a2, y + 0.5 * dt * b2
        a3, b3 = f(h3, z[i + 1], eta[i + 1]), fy(h3, z[i + 1], eta[i + 1], y3, dz[i + 1], deta[i + 1])
        h4, y4 = h + dt * a3, y + dt * b3
        a4, b4 = f(h4, z[j], eta[j]), fy(h4, z[j], eta[j], y4, dz[j], deta[j])
        h = h + dt / 6 * (a1 + 2 * a2 + 2 * a3 + a4)
        y = y + dt / 6 * (b1 + 2 * b2 + 2 * b3 + b4)
    out[-1] = model.factors(h, np.zeros(1))[1] * y
    return out


def lambda_max_sampling(solution: SamplingDMFTResult, *, lambda0: float | None = None, spacing: float | None = None,
                        n_paths: int = 512, n_batches: int = 8, n_power: int = 3, rounds: int = 2,
                        max_rounds: int | None = None, seed: int = 0) -> TangentResult:
    """lambda_max of the tangent DMFT along the sampled stationary paths of ``solution``.

    Parameters
    ----------
    solution : SamplingDMFTResult
        Converged stationary solution (its C_phi, grid and parameters are used).
    lambda0 : float, optional
        Starting estimate (default 0.05 x expit(-beta_z)).
    spacing : float, optional
        Spacing of the three lambdas of the log-mu fit (default 0.5 x |lambda0| + 0.01).
    n_paths, n_batches : int
        Paths per evaluation and batches for the error (>= 2).
    n_power : int
        Power iterations of P at each lambda (the last two give log mu).
    rounds : int
        Minimum number of fit-and-recentre rounds.
    max_rounds : int, optional
        Rounds allowed for the root to fall inside the lambdas of its fit (default rounds + 3).
    seed : int

    Returns
    -------
    TangentResult

    Notes
    -----
    mu(lambda) = C_{phi' y}^{new}(0) for input P with P(0) = 1 (module docstring), averaged over
    the last two power steps; log mu is fitted by weighted least squares (weights from the batch
    standard errors) as a straight line in lambda over three points, and lambda_max = the root.
    The stderr is the delta-method error of the root from the fit covariance. Rounds go on (at
    least ``rounds``) until the root lies within [min, max] of the lambdas fitted.

    Raises
    ------
    ConvergenceError
        if log mu does not decrease with lambda (no root) in the fit, after widening the lambda
        spacing three times, or if the root is still outside its fitted lambdas after max_rounds.
    """
    if not isinstance(solution, SamplingDMFTResult):
        raise TypeError("solution must be a SamplingDMFTResult")
    _check_int("n_paths", n_paths, 2)
    _check_int("n_batches", n_batches, 2)
    _check_int("n_power", n_power, 2)
    _check_int("rounds", rounds, 1)
    max_rounds = rounds + 3 if max_rounds is None else max_rounds
    _check_int("max_rounds", max_rounds, rounds)
    _check_int("seed", seed, 0)
    params = solution.params
    model = FieldModel(params)
    st = solution.settings
    grid = _Grid(st["dt"], solution.tau.size - 1)
    sp = field_spectra(model, grid, solution.c_phi)
    s_bar = 1.0 / (1.0 + math.exp(params.beta_z)) if params.is_gated else 1.0
    lam = 0.05 * s_bar if lambda0 is None else float(lambda0)
    step = 0.5 * abs(lam) + 0.01 if spacing is None else float(spacing)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    p = solution.c_phi / solution.c_phi[0]
    history = []
    for n_round in range(1, max_rounds + 1):
        for attempt in range(4):
            lams = lam + step * np.array([-1.0, 0.0, 1.0])
            logs = []
            for lv in lams:
                vals = []
                for k in range(n_power):
                    batches = _tangent_step(model, grid, sp, p, lv, n_paths, n_batches, rng)
                    new = batches.mean(0)
                    if k >= n_power - 2:
                        vals.append(batches[:, 0])
                    p = new / new[0]
                logs.append(np.mean(vals, axis=0))          # per batch
            logs = np.array(logs)                           # (3, n_batches)
            if np.polyfit(lams, logs.mean(1), 1)[0] < 0:
                break
            step *= 2    # the spread of lambdas is below the noise of log mu: widen it
        else:
            raise ConvergenceError("log mu does not decrease with lambda (no root) even with a "
                                   f"lambda spacing of {step / 2:g}", residuals=list(logs.mean(1)))

        # log of the batch-mean mu at each lambda, its standard error over batches, and the
        # weighted straight-line fit; the root's error by the delta method on the fit covariance
        means = logs.mean(1)
        y = np.log(means)
        sy = logs.std(1, ddof=1) / math.sqrt(logs.shape[1]) / means
        (b, a), cov = np.polyfit(lams, y, 1, w=1 / sy, cov="unscaled")
        if b >= 0:
            raise ConvergenceError("log mu does not decrease with lambda: no root", residuals=list(y))
        lam = -a / b
        se = float(math.sqrt(max(cov[1, 1] + lam ** 2 * cov[0, 0] + 2 * lam * cov[0, 1], 0.0)) / abs(b))
        history.append(lam)
        if n_round >= rounds and lams[0] <= lam <= lams[-1]:
            break
        step = min(max(3 * se, 0.25 * abs(lam), 0.005), 0.5 * abs(lam) + 0.01)
    else:
        raise ConvergenceError(f"the root lambda = {lam:.4g} stayed outside its fitted lambdas "
                               f"[{lams[0]:.4g}, {lams[-1]:.4g}] after {max_rounds} rounds", residuals=history)
    return TangentResult(float(lam), se, lams, np.log(logs.mean(1)), p, history)
