"""Adjoint (gradient) DMFT on sampled single-site paths: rho(tau) of lambda_h for any gates.

Single-site adjoint (generated ``adjoint_terms`` and ``jacobian_factors``; backward time s = T - t,
after the loss has stopped acting)::

    d lambda_b/ds = local_b(lambda) + sum_k B_kb nu_k,    mu_k = sum_a A_ak lambda_a,

along the stationary forward paths (h, z, r) of the sampling DMFT (:mod:`theory.dmft_sampling`),
with Gaussian back-sent fields nu_k independent of the forward fields (gradient independence) and
<nu_k(s) nu_k(s')> = C_{mu_k}(s - s') (J^T has the statistics of J). For the gated model with
alpha_r = 0: d lambda_h/ds = -sigma_z lambda_h + phi'(h)(s_r nu_h + nu_z + nu_r),
d lambda_z/ds = -lambda_z / tau_z + sigma_z'(z)(eta_h - h) lambda_h, lambda_r decays; the update
gate couples lambda_z to lambda_h (the transpose of the dz column of the Jacobian).

With lambda = e^{Lambda s} y and Lambda the growth rate (= lambda_max of the tangent DMFT,
:mod:`theory.adjoint_mft`), y is stationary: dy/ds has the extra term -Lambda y, and the
correlations P_k = C_{mu_k} of its back-sent signals are a fixed point, up to the factor mu(Lambda)
(= 1 at the adjoint growth rate), of the positive linear map P -> C_{mu}[P] estimated from paths.
Outputs: rho(tau) = C_{y_h}(tau) / C_{y_h}(0), the normalised two-time correlation of lambda_h
across units (the quantity measured on networks by :func:`theory.adjoint_mft.measure_adjoint`),
and mu at the given Lambda (a consistency check of the adjoint and tangent growth rates).

Numerics: per power step, forward h is integrated by RK4 (step dt, fields on the half-step grid;
h at half steps by cubic Hermite interpolation), the adjoint y backward by RK4 over the same path;
the first W of each direction is discarded; correlations per path by FFT; P_k is normalised so that
sum_k P_k(0) = 1 (mu = the new sum). rho is the mean over the last power steps, its error the
batch-to-batch spread. Constant gates reduce to the Schroedinger ground state psi_0 of
:func:`theory.adjoint_mft.adjoint_mft` (tests/test_adjoint_sampling.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .dmft_sampling import (FieldModel, SamplingDMFTResult, _check_int, _Grid, field_spectra, lag_correlation,
                            periodic_spectrum, sample_stationary_paths)

__all__ = ["AdjointSamplingResult", "adjoint_correlation_sampling"]


@dataclass(frozen=True)
class AdjointSamplingResult:
    """Adjoint correlation of the sampled single-site adjoint.

    Attributes
    ----------
    growth_rate : float
        Lambda used.
    tau, rho, rho_stderr : ndarray
        Lags (0..W) and the normalised correlation of lambda_h with its batch standard error.
    mu, mu_stderr : float
        Growth factor of the back-sent correlations at Lambda (1 at the adjoint growth rate).
    p : dict
        Normalised C_{mu_k}(tau) per channel.
    """

    growth_rate: float
    tau: np.ndarray
    rho: np.ndarray
    rho_stderr: np.ndarray
    mu: float
    mu_stderr: float
    p: dict

    def rho_at(self, tau) -> np.ndarray:
        return np.interp(np.abs(np.asarray(tau, float)), self.tau, self.rho)


class _AdjointKernels:
    """Generated adjoint terms and B factors bound to the parameters (gated or additive)."""

    def __init__(self, model: FieldModel):
        g = model.gen
        p = model.params
        self.gen, self.gated = g, model.gated
        self.state, self.channels = tuple(g.STATE), tuple(g.CHANNELS)
        self.kw_adj = {k: getattr(p, k) for k in g.adjoint_terms.parameters}
        self.kw_jac = {k: getattr(p, k) for k in g.jacobian_factors.parameters}
        self.b_index = []
        for idx, name in enumerate(g.JACOBIAN_FACTORS):
            kind, k, b = name.split("_")
            if kind == "B":
                self.b_index.append((self.channels.index(k), self.state.index(b), idx))

    def coefficients(self, h, z, r, eta_h):
        """Arguments (state, fields) in generated order, and the B factors {(k, b): array}."""
        zero = np.zeros_like(h)
        if self.gated:
            x, eta = (h, z, r), (eta_h, zero, zero)   # adjoint_terms / B do not use eta_z, eta_r
        else:
            x, eta = (h,), (eta_h,)
        fac = self.gen.jacobian_factors(*x, *eta, **self.kw_jac)
        fac = fac if isinstance(fac, tuple) else (fac,)
        return x, eta, {(k, b): fac[idx] for k, b, idx in self.b_index}

    def rhs(self, coef, y, nu, lam):
        """dy/ds and mu for the stationary part y (list per state) at one stage."""
        x, eta, bfac = coef
        out = self.gen.adjoint_terms(*x, *eta, *y, **self.kw_adj)
        out = out if isinstance(out, tuple) else (out,)
        nf = len(self.state)
        local, mu = list(out[:nf]), out[nf:]
        dy = [np.asarray(local[b], float) - lam * y[b] for b in range(nf)]
        for (k, b), f in bfac.items():
            dy[b] = dy[b] + f * nu[k]
        return dy, mu


def _hermite_mid(h0, h1, f0, f1, dt):
    """h(t + dt/2) from the values and slopes at t and t + dt (cubic Hermite, O(dt^4))."""
    return 0.5 * (h0 + h1) + dt / 8.0 * (f0 - f1)


def _power_step(model, kern, grid, sp, p, lam, n_paths, n_batches, rng):
    """One application of the map to the back-sent correlations p (list per channel, dt lags);
    returns per-batch new correlations (channels) and per-batch C_{y_h}."""
    dt = grid.dt
    nk = len(kern.channels)
    eta = sample_stationary_paths(sp["s_eta"], n_paths, rng)
    if model.gated:
        z = sample_stationary_paths(sp["s_z"], n_paths, rng)
        r = sample_stationary_paths(periodic_spectrum(sp["c_r"]), n_paths, rng) \
            if model.params.alpha_r != 0 else np.zeros_like(eta)
    else:
        z = r = np.zeros_like(eta)
    nus = [sample_stationary_paths(periodic_spectrum(grid.to_fine(pk)), n_paths, rng) for pk in p]
    f = model.dh_dt
    # forward h on the dt grid (index n: time n dt), slopes for the half steps
    hs = np.empty((grid.n_steps + 1, n_paths))
    fs = np.empty_like(hs)
    h = eta[0].copy()
    for n in range(grid.n_steps):
        i = 2 * n
        k1 = f(h, z[i], eta[i])
        hs[n], fs[n] = h, k1
        k2 = f(h + 0.5 * dt * k1, z[i + 1], eta[i + 1])
        k3 = f(h + 0.5 * dt * k2, z[i + 1], eta[i + 1])
        j = (i + 2) % grid.m
        k4 = f(h + dt * k3, z[j], eta[j])
        h = h + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    hs[-1] = h
    fs[-1] = f(h, z[0], eta[0])     # index n_steps is time P = 0 of the periodic fields

    def coef_at(idx2):
        """Coefficients at half-grid index idx2 (time idx2 dt / 2)."""
        n, half = divmod(idx2, 2)
        hh = hs[n] if not half else _hermite_mid(hs[n], hs[n + 1], fs[n], fs[n + 1], dt)
        i = idx2 % grid.m
        return kern.coefficients(hh, z[i], r[i], eta[i])

    # backward: y at time index n from n + 1; keep after the backward burn-in, before the forward one
    nf = len(kern.state)
    y = [np.zeros(n_paths) for _ in range(nf)]
    y[0] = np.ones(n_paths)
    start = grid.n_steps
    stop = grid.n_burn
    keep = start - stop - grid.n_lag + 1
    mu_out = np.empty((nk, keep, n_paths))
    yh_out = np.empty((keep, n_paths))
    row = 0
    c_next = coef_at(2 * start)
    for n in range(start, stop, -1):
        nu_idx = (2 * (start - n), 2 * (start - n) + 1, 2 * (start - n) + 2)
        nu_s = [[nu[ix % grid.m] for nu in nus] for ix in nu_idx]
        c0, c_mid, c1 = c_next, coef_at(2 * n - 1), coef_at(2 * n - 2)
        a1, mu1 = kern.rhs(c0, y, nu_s[0], lam)
        if n <= start - grid.n_lag:
            mu_out[:, row] = mu1
            yh_out[row] = y[0]
            row += 1
        a2, _ = kern.rhs(c_mid, [yb + 0.5 * dt * ab for yb, ab in zip(y, a1)], nu_s[1], lam)
        a3, _ = kern.rhs(c_mid, [yb + 0.5 * dt * ab for yb, ab in zip(y, a2)], nu_s[1], lam)
        a4, _ = kern.rhs(c1, [yb + dt * ab for yb, ab in zip(y, a3)], nu_s[2], lam)
        y = [yb + dt / 6 * (b1 + 2 * b2 + 2 * b3 + b4) for yb, b1, b2, b3, b4 in zip(y, a1, a2, a3, a4)]
        c_next = c1
    a_last, mu_last = kern.rhs(c_next, y, [nu[(2 * (start - stop)) % grid.m] for nu in nus], lam)
    mu_out[:, row] = mu_last
    yh_out[row] = y[0]
    batches = np.array_split(np.arange(n_paths), n_batches)
    c_mu = [lag_correlation(mu_out[k], grid.n_lag) for k in range(nk)]
    c_y = lag_correlation(yh_out, grid.n_lag)
    new = np.stack([np.stack([c[:, b].mean(1) for c in c_mu]) for b in batches])   # (batches, K, lags)
    cy = np.stack([c_y[:, b].mean(1) for b in batches])                             # (batches, lags)
    return new, cy


def adjoint_correlation_sampling(solution: SamplingDMFTResult, growth_rate: float, *, n_paths: int = 256,
                                 n_batches: int = 8, n_power: int = 10, n_keep: int = 4,
                                 seed: int = 0) -> AdjointSamplingResult:
    """rho(tau) of lambda_h from the sampled single-site adjoint at growth rate ``growth_rate``.

    Parameters
    ----------
    solution : SamplingDMFTResult
        Converged stationary solution (forward paths).
    growth_rate : float
        Lambda (the tangent-DMFT lambda_max, :func:`theory.adjoint_mft.adjoint_growth_rate`).
    n_paths, n_batches : int
        Paths per power step and batches for the errors.
    n_power, n_keep : int
        Power steps, of which the last n_keep are averaged.
    seed : int

    Returns
    -------
    AdjointSamplingResult

    Notes
    -----
    Module docstring. Start: P_h = C_phi / C_phi(0) (the constant-gate answer's shape), P_z = P_r =
    0.1 P_h for the gated model.
    """
    if not isinstance(solution, SamplingDMFTResult):
        raise TypeError("solution must be a SamplingDMFTResult")
    if not math.isfinite(growth_rate):
        raise ValueError(f"growth_rate must be finite, got {growth_rate!r}")
    _check_int("n_paths", n_paths, 2)
    _check_int("n_batches", n_batches, 2)
    _check_int("n_power", n_power, 1)
    _check_int("n_keep", n_keep, 1)
    _check_int("seed", seed, 0)
    if n_keep > n_power:
        raise ValueError(f"n_keep must be <= n_power = {n_power}, got {n_keep}")
    model = FieldModel(solution.params)
    kern = _AdjointKernels(model)
    grid = _Grid(solution.settings["dt"], solution.tau.size - 1)
    sp = field_spectra(model, grid, solution.c_phi)
    base = solution.c_phi / solution.c_phi[0]
    p = [base] + [0.1 * base for _ in kern.channels[1:]]
    tot = sum(pk[0] for pk in p)
    p = [pk / tot for pk in p]
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    mus, rhos = [], []
    for it in range(n_power):
        new, cy = _power_step(model, kern, grid, sp, p, float(growth_rate), n_paths, n_batches, rng)
        mean = new.mean(0)
        s0 = mean[:, 0].sum()
        if it >= n_power - n_keep:
            mus.append(new[:, :, 0].sum(1))           # per batch (input normalised to sum 1)
            rhos.append(cy / cy[:, :1])
        p = [mean[k] / s0 for k in range(len(p))]
    mus = np.concatenate(mus)
    rhos = np.concatenate(rhos)
    return AdjointSamplingResult(float(growth_rate), grid.tau, rhos.mean(0),
                                 rhos.std(0, ddof=1) / math.sqrt(rhos.shape[0]),
                                 float(mus.mean()), float(mus.std(ddof=1) / math.sqrt(mus.size)),
                                 dict(zip(kern.channels, p)))
