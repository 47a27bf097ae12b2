"""Onset g_chaos of the chaotic DMFT branch from the sampling DMFT (any alpha_z, alpha_r).

The deterministic solver (:mod:`theory.dmft_output_gate`, alpha_z = 0) finds g_chaos by continuing
the chaotic branch in its variance and taking the smallest g_h on it. This module does the same
for the non-Gaussian single site of :mod:`theory.dmft_sampling` (alpha_z > 0), with the branch
parametrised by its amplitude A = C_phi(0).

The fixed-amplitude map: the paths of the single site do not depend on g_h. eta_h has covariance
C_{sigma_r}(C_r) C_phi, z and r are linear filters of fields with covariance C_phi, and
dh/dt = sigma_z(z)(-h + eta_h); g_h enters only through phi(h) = tanh(g_h h). So, given an input
C_phi of amplitude A, one iteration samples (eta_h, z), integrates h (as the sampling DMFT does),
picks the g_h at which <phi(h)^2> = A over the sampled paths (monotone in g_h: one root), and
returns C_phi of phi(h) at that g_h (amplitude A by construction). A fixed point is a point
(A, g_h(A)) of the chaotic branch. Unlike the plain iteration at fixed g_h, this map is
well-defined below and at the fold, where the plain iteration collapses to the quiescent state.

g_chaos = min_A g_h(A). An interior minimum is a fold: the chaotic state appears with a finite
amplitude, a discontinuous (first-order) transition. If g_h(A) decreases down to the smallest
amplitude, the branch is born at A -> 0, where the gates are constant to leading order, so the
onset is continuous at g_h s_r = 1 (the small-amplitude argument of
:func:`theory.transitions.chaos_onset_line`).

Measured (alpha_z = 0, alpha_r = 20, default amplitudes, 4 chains x 256 paths, 15 + 25
iterations per amplitude, W = 80, dt = 0.1; 42 min on the shared 2-core machine at load 4-5):
g_chaos = 1.7603 +- 0.0019, discontinuous, fold at A = 0.031, against the deterministic fold
1.75935. Along the branch the sampled g_h sits 0-0.004 above the deterministic one (A = 0.0965:
1.8320(22) vs about 1.830; A = 0.0453: 1.7692(12) vs 1.7650, 3.5 stderr; A = 0.0146, 0.0100:
1.7790(26), 1.8022(22) vs 1.7781 (A = 0.0154), 1.8032 (A = 0.0098)). The 3.5-stderr point is
the only significant deviation; its cause is not measured (a noisy map's fixed point can carry an
O(1 / paths) bias); it does not show at the fold.

With the update gate (same settings, seed 0): alpha_z = 2, alpha_r = 20: g_chaos = 1.7607 +-
0.0020, discontinuous, fold at A = 0.031 (35 min): the update gate does not move the onset within
0.003 (the branch itself moves by <= 0.005: 2.3206 vs 2.3157 at A = 0.3); N = 1000 networks
decay at g_h = 1.701 and are chaotic (and bistable) at 1.821 (check ``sampled_chaos_onset``).
alpha_z = 2, alpha_r = 0 (W = 160, A = 0.3 ... 0.02, 11 min): g_h(A) decreases monotonically to
2.043 +- 0.003 at A = 0.02: the continuous onset at g_h s_r = 1 of the small-amplitude argument.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import brentq

from .dmft_sampling import (FieldModel, _check_int, _Grid, field_spectra, lag_correlation,
                            sample_stationary_paths, _integrate_h)
from .errors import ConvergenceError
from .params import ModelParams
from .progress import progress_bar

__all__ = ["SampledOnset", "branch_point_sampling", "chaos_onset_sampling"]

#: Amplitudes C_phi(0) scanned by default (largest first): the deterministic fold at alpha_r = 20
#: lies near A = 0.03, at alpha_r = 5 near 0.04 (alpha_z = 0); g_h(A) is flat there.
DEFAULT_AMPLITUDES = tuple(float(a) for a in np.geomspace(0.3, 0.01, 10))



@dataclass(frozen=True)
class SampledOnset:
    """g_chaos from the fixed-amplitude sampling DMFT.

    Attributes
    ----------
    g_chaos, g_chaos_stderr : float
        min_A g_h(A) (vertex of a quadratic in log A through the three lowest neighbouring points)
        and its jackknife error over chains; 1 / s_r for a continuous onset (stderr 0).
    discontinuous : bool
        True if the minimum is interior and g_h at the smallest amplitude lies above it by more
        than 3 combined standard errors.
    amplitude_fold : float or None
        A = C_phi(0) at the fold (None for a continuous onset).
    amplitudes, g_branch, g_branch_stderr : ndarray
        The branch g_h(A): chain mean and stderr (chain std / sqrt(n_chains)) per amplitude.
    g_chains : ndarray
        (n_amplitudes, n_chains) per-chain means over the averaged iterations.
    settings : dict
    """

    g_chaos: float
    g_chaos_stderr: float
    discontinuous: bool
    amplitude_fold: float | None
    amplitudes: np.ndarray
    g_branch: np.ndarray
    g_branch_stderr: np.ndarray
    g_chains: np.ndarray
    settings: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"g_chaos": self.g_chaos, "g_chaos_stderr": self.g_chaos_stderr,
                "discontinuous": self.discontinuous, "amplitude_fold": self.amplitude_fold,
                "branch": {"amplitude": self.amplitudes.tolist(), "g_h": self.g_branch.tolist(),
                           "g_h_stderr": self.g_branch_stderr.tolist()},
                "settings": dict(self.settings)}


def _phi(model: FieldModel, g_h: float, h: np.ndarray) -> np.ndarray:
    """phi(h) at gain g_h from the generated ``correlation_factors`` (the bound gain replaced)."""
    return model.gen.correlation_factors(h, 0.0, 0.0, **dict(model._cf, g_h=g_h))[0]


def _gain_at_amplitude(model: FieldModel, h: np.ndarray, amplitude: float, g_max: float = 100.0) -> float:
    """The g_h with mean phi(h)^2 = amplitude over the sample h (phi^2 increases with g_h)."""
    def excess(g):
        return float(np.mean(_phi(model, g, h) ** 2)) - amplitude

    if excess(g_max) <= 0:
        raise ConvergenceError(f"amplitude {amplitude:g} not reached by g_h <= {g_max:g} "
                               f"(sampled <h^2> = {float(np.mean(h * h)):.3g})")
    return float(brentq(excess, 1e-6, g_max, xtol=1e-7, rtol=1e-10))


def _fixed_amplitude_step(model: FieldModel, grid: _Grid, c_phis, amplitude, n_paths, rngs, stride):
    """One fixed-amplitude iteration of every chain (paths integrated together); returns the
    gains and the new C_phi of each chain and the tail ratio of C_h (last fifth of the window)."""
    etas, zs = [], []
    for c, rng in zip(c_phis, rngs):
        sp = field_spectra(model, grid, c)
        etas.append(sample_stationary_paths(sp["s_eta"], n_paths, rng))
        zs.append(sample_stationary_paths(sp["s_z"], n_paths, rng))
    eta = np.concatenate(etas, axis=1)
    z = np.concatenate(zs, axis=1)
    h = _integrate_h(model, eta, z, grid)
    gains, news, tails = [], [], []
    for k in range(len(c_phis)):
        hk = h[:, k * n_paths:(k + 1) * n_paths]
        g = _gain_at_amplitude(model, hk[::stride], amplitude)
        new = lag_correlation(_phi(model, g, hk), grid.n_lag).mean(axis=1)
        c_h = lag_correlation(hk, grid.n_lag).mean(axis=1)
        gains.append(g)
        news.append(new * (amplitude / new[0]))
        tails.append(abs(float(c_h[int(0.8 * grid.n_lag):].mean())) / float(c_h[0]))
    return gains, news, tails


def branch_point_sampling(params: ModelParams, amplitude: float, *, n_paths: int = 256, n_chains: int = 4,
                          n_burn: int = 15, n_average: int = 25, dt: float = 0.1, window: float | None = None,
                          tail_tol: float = 0.05, seed: int = 0, c_phi_init=None, progress: bool | None = None):
    """g_h(A) on the chaotic branch at amplitude A = C_phi(0), by the fixed-amplitude sampling map.

    Parameters
    ----------
    params : ModelParams
        Gate parameters (its g_h is ignored); beta_h = 0, zero inputs.
    amplitude : float
        C_phi(0), in (0, 1).
    n_paths, n_chains : int
        Paths per iteration of each independent chain (>= 16), chains (>= 2).
    n_burn, n_average : int
        Iterations discarded, then averaged, per chain.
    dt, window : float
        RK4 step and lag window W (default 40 / s_z(0)) as in :func:`theory.dmft_sampling.solve_dmft_sampling`.
    tail_tol : float
        |mean C_h over the last fifth of W| / C_h(0) allowed (averaged over the last iterations).
    c_phi_init : callable, optional
        Starting shape C_phi(tau) (rescaled to the amplitude), as in
        :func:`theory.dmft_sampling.solve_dmft_sampling`; default a Gaussian bump of width 2 / s_z(0).

    Returns
    -------
    (g_mean, g_stderr, g_chains, c_phis) : chain mean of g_h, its stderr (chain std / sqrt(n_chains)),
    per-chain means, and each chain's final C_phi (for continuation).

    Notes
    -----
    Iteration (module docstring): C_phi -> paths h (independent of g_h) -> g_k with
    <phi_{g_k}(h)^2> = A -> C_phi^new = <phi_{g_k}(h) phi_{g_k}(h')>, amplitude A. g_h(A) is the mean of
    g_k over the averaged iterations of a chain; chains are independent (own seeds), so their
    spread includes the slow mode of the iteration (the width of C).
    """
    if not params.is_gated:
        raise ValueError("the fixed-amplitude sampling DMFT needs the gated model (the additive onset is g = 1)")
    if not (isinstance(amplitude, (int, float)) and 0 < amplitude < 1):
        raise ValueError(f"amplitude must be in (0, 1), got {amplitude!r}")
    _check_int("n_paths", n_paths, 16)
    _check_int("n_chains", n_chains, 2)
    _check_int("n_burn", n_burn, 0)
    _check_int("n_average", n_average, 2)
    _check_int("seed", seed, 0)
    if not (isinstance(dt, (int, float)) and 0 < dt <= 0.5):
        raise ValueError(f"dt must be in (0, 0.5], got {dt!r}")
    model = FieldModel(params)
    s_bar = 1.0 / (1.0 + math.exp(params.beta_z))
    window = 40.0 / s_bar if window is None else window
    if not (isinstance(window, (int, float)) and window >= 10 * dt):
        raise ValueError(f"window must be >= 10 dt = {10 * dt:g}, got {window!r}")
    grid = _Grid(dt, int(round(window / dt)))
    init = c_phi_init or (lambda t: np.exp(-0.5 * (t * s_bar / 2.0) ** 2))
    c0 = np.asarray(init(grid.tau), float)
    if c0.shape != grid.tau.shape or not c0[0] > 0:
        raise ValueError("c_phi_init(tau) must return an array shaped like tau with a positive value at tau = 0")
    c_phis = [c0 * (amplitude / c0[0]) for _ in range(n_chains)]
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(n_chains)]
    stride = max(1, int(round(0.5 / dt)))      # root of g_h on a sample every 0.5 time units
    gains, tails = [], []
    with progress_bar(n_burn + n_average, f"branch point A={amplitude:.3g}", progress) as bar:
        for _ in range(n_burn + n_average):
            g, c_phis, t = _fixed_amplitude_step(model, grid, c_phis, amplitude, n_paths, rngs, stride)
            gains.append(g)
            tails.append(t)
            bar.update()
    tail = float(np.mean(tails[-n_average:]))
    if tail > tail_tol:
        raise ConvergenceError(f"C_h has not decayed in the window W = {grid.tau[-1]:g} (tail {tail:.3g} of "
                               f"C_h(0) > tail_tol {tail_tol:g}): raise window", residuals=[float(x) for x in
                                                                                          np.mean(tails, axis=1)])
    per_chain = np.mean(np.array(gains[-n_average:]), axis=0)
    return (float(per_chain.mean()), float(per_chain.std(ddof=1) / math.sqrt(n_chains)), per_chain,
            c_phis)


def _fold(amplitudes: np.ndarray, g_chains: np.ndarray) -> tuple[float, float, int]:
    """Vertex value of the quadratic in log A through the chain-mean g_h at the grid minimum and its
    two neighbours, and its jackknife stderr over chains (leave one chain out); index of the minimum."""
    mean = g_chains.mean(axis=1)
    i = int(np.argmin(mean))
    x = np.log(amplitudes[i - 1:i + 2])

    def vertex(g3):
        a, b, c = np.polyfit(x, g3, 2)
        if a <= 0:   # no convex parabola: the grid minimum itself
            return float(np.min(g3))
        xv = float(np.clip(-b / (2 * a), x.min(), x.max()))
        return float(np.polyval([a, b, c], xv))

    g0 = vertex(mean[i - 1:i + 2])
    n = g_chains.shape[1]
    loo = [vertex((g_chains[i - 1:i + 2].sum(axis=1) - g_chains[i - 1:i + 2, k]) / (n - 1)) for k in range(n)]
    se = math.sqrt((n - 1) / n * float(np.sum((np.array(loo) - np.mean(loo)) ** 2)))
    return g0, se, i


def chaos_onset_sampling(params: ModelParams, *, amplitudes=DEFAULT_AMPLITUDES, seed: int = 0,
                         progress: bool | None = None, **kwargs) -> SampledOnset:
    """g_chaos and discontinuous from the branch g_h(A) of the fixed-amplitude sampling DMFT.

    Parameters
    ----------
    params : ModelParams
        Gate parameters (its g_h is ignored); gated, beta_h = 0, zero inputs.
    amplitudes : sequence of float
        Decreasing amplitudes C_phi(0) in (0, 1) (>= 3); each starts from the previous one's
        final C_phi (continuation).
    seed : int
        Root seed; amplitude k uses seed + k.
    **kwargs
        Passed to :func:`branch_point_sampling` (n_paths, n_chains, n_burn, n_average, dt, window, ...).

    Notes
    -----
    g_chaos = min_A g_h(A) (module docstring). Interior minimum: g_chaos is the vertex of the
    quadratic in log A through it and its neighbours (jackknife error over chains); discontinuous
    if g_h(A_min) - g_chaos > 3 sqrt(se(A_min)^2 + se^2). Minimum at the smallest amplitude:
    continuous onset at g_h s_r = 1 (g_chaos = 1 / s_r); a fold at amplitudes below the grid is
    not resolved, and a branch that reaches below 1 / s_r by more than 3 stderr raises
    ConvergenceError (inconsistent with the small-amplitude limit). Minimum at the largest
    amplitude: ConvergenceError (extend the grid upward).
    """
    amps = np.asarray(amplitudes, float)
    if amps.ndim != 1 or amps.size < 3 or np.any(np.diff(amps) >= 0) or amps[0] >= 1 or amps[-1] <= 0:
        raise ValueError(f"amplitudes must be >= 3 strictly decreasing values in (0, 1), got {amplitudes!r}")
    if not params.is_gated:
        raise ValueError("chaos_onset_sampling needs the gated model (the additive onset is g = 1)")
    _check_int("seed", seed, 0)
    n_burn = kwargs.pop("n_burn", 15)
    dt = kwargs.get("dt", 0.1)
    rows, c_init = [], kwargs.pop("c_phi_init", None)
    with progress_bar(amps.size, "chaotic branch g_h(A)", progress) as bar:
        for k, a in enumerate(amps):
            # the first amplitude starts from a guessed shape: twice the burn-in
            mean, se, chains, c_phis = branch_point_sampling(
                params, float(a), seed=seed + k, c_phi_init=c_init, n_burn=n_burn if k else 2 * n_burn,
                progress=False, **kwargs)
            rows.append(chains)
            c_end = np.mean(c_phis, axis=0)
            c_init = (lambda c: lambda t: np.interp(t, np.arange(c.size) * dt, c, right=0.0))(c_end)
            bar.update()
    g_chains = np.array(rows)
    mean = g_chains.mean(axis=1)
    se = g_chains.std(axis=1, ddof=1) / math.sqrt(g_chains.shape[1])
    s_r = float(FieldModel(params).factors(np.zeros(1), np.zeros(1))[2][0])
    settings = dict(kwargs, n_burn=n_burn, seed=seed, n_chains=g_chains.shape[1])
    i = int(np.argmin(mean))
    if i == 0:
        raise ConvergenceError(f"g_h(A) is smallest at the largest amplitude {amps[0]:g}: extend the grid upward",
                               residuals=mean.tolist())
    if i == amps.size - 1:
        if mean[-1] < 1.0 / s_r - 3 * se[-1]:
            raise ConvergenceError(f"g_h(A) = {mean[-1]:.4g} +- {se[-1]:.2g} at the smallest amplitude lies below "
                                   f"1 / s_r = {1 / s_r:.4g}: onset not located", residuals=mean.tolist())
        return SampledOnset(1.0 / s_r, 0.0, False, None, amps, mean, se, g_chains, settings)
    g0, g0_se, i = _fold(amps, g_chains)
    jump = mean[-1] - g0 > 3 * math.hypot(se[-1], g0_se)
    return SampledOnset(g0, g0_se, bool(jump), float(amps[i]), amps, mean, se, g_chains, settings)
