"""Sampling DMFT of the chaotic state for fluctuating gates (any alpha_z >= 0, alpha_r >= 0).

The single-site process (THEORY.md section 4; generated kernels of ``derivations/dmft.py``)

    dh/dt = sigma_z(z) (-h + eta_h),   tau_z dz/dt = -z + eta_z,   tau_r dr/dt = -r + eta_r,

has independent stationary Gaussian fields with <eta_h eta_h> = C_{sigma_r}(tau) C_phi(tau) and
<eta_z eta_z> = <eta_r eta_r> = C_phi(tau) (CORRELATION_FACTORS: sigma_r(r) depends only on
eta_r, so the send factorises). z and r are Gaussian linear filters of their fields, so their
correlations follow exactly from C_phi in Fourier space,

    S_z(omega) = S_phi(omega) / (1 + tau_z^2 omega^2),   S_r(omega) = S_phi / (1 + tau_r^2 omega^2),

and C_{sigma_r}(tau) = <sigma_r(r) sigma_r(r')> is a two-point Gaussian average at variance
C_r(0) and covariance C_r(tau) (deterministic, :mod:`theory.dmft_averages`). For alpha_z > 0, h
is not Gaussian and C_phi must be sampled: eta_h and z are drawn as periodic stationary Gaussian
paths (circulant embedding of their correlations on a grid of period P, exact for the
periodised correlation; C_phi is set to 0 beyond the lag window W, P = 4 W), h is integrated
for all paths at once (RK4, step dt, fields on the half-step grid), the first W of each path is
discarded and C_h, C_phi are estimated from the remaining 3 W by FFT. The new C_phi is mixed
into the old one (damping) and the loop repeats until the change is at the sampling noise.

Definitions: delta_h = C_h(0); tau_relax = int_0^W C_h(tau) dtau / C_h(0) (the integral time of
:mod:`theory.dmft`, truncated at the lag window, where |C_h| must have decayed below
``tail_tol`` C_h(0), within at most twice that with the noise allowance, or W is doubled).
Statistical errors come from independent batches of paths (see :func:`solve_dmft_sampling`).

Measured limitations. (1) The iteration has a slow mode, the time scale of C (rate about 0.93
per undamped iteration at additive g = 2); convergence tests over 10 iterations stopped early
(alpha_z = 2, g_h = 4: tau_relax 18.1 +- 1.5 vs 22.8 +- 0.7 and 24.2 +- 2.1 with 30), hence the
default trend window of 30 and the over-relaxed time scale before convergence. (2) Small-path
bias (suspected last session: 64 paths per chain gave tau_relax low in 3 of 3 seeds). Measured at
additive g = 2 (exact reference) with 1024 paths per iteration split as 32 x 32, 64 x 16, 128 x 8
and 256 x 4 (paths x chains), 4 seeds each, window 30, dt 0.1 (check
``dmft_sampling_path_bias``; per-chain-mean estimator of tau_relax): mean z = (sampled - exact) / chain stderr of tau_relax -0.59,
-0.22, -0.20, -1.26 and of delta_h -0.55, +0.09, -1.51 (one seed at -5.6 with an unusually small
chain error), -0.08: no trend with the paths per chain, so no O(1 / paths) bias of the iteration
is resolved at the 0.3-0.6 stderr level (about 2-4% of tau_relax); over all 16 solves the mean z
of tau_relax is -0.57 +- 0.33. What did scale as 1 / paths per chain was the ratio estimator:
the mean of per-chain ratios int C_h / C_h(0) sat below the ratio of the chain-mean C_h by 0.116,
0.054, 0.037, 0.015 (of 6.5); tau_relax is therefore now taken from the chain-mean C_h with a
jackknife error over chains. The negative eigenvalues of the noisy circulant spectrum that are set
to 0 carry only ~1e-4 of the variance. (3) alpha_z = 10
at g_h = 4 needs lag windows beyond 320 (correlation time of C_phi above 150): minutes per solve.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.interpolate import CubicSpline

from ._generated import kwargs_for, load
from .dmft import check_stationary_state
from .dmft_averages import correlation_table
from .errors import ConvergenceError
from .params import ModelParams
from .progress import progress_bar

__all__ = ["SamplingDMFTResult", "solve_dmft_sampling", "sample_stationary_paths", "lag_correlation",
           "FieldModel"]


# ---- Gaussian paths and correlation estimates -----------------------------------------------

def periodic_spectrum(c_half: np.ndarray) -> np.ndarray:
    """Eigenvalues of the circulant covariance whose first row is the even extension of c_half.

    ``c_half`` holds C at lags 0..M/2 (M even); returns the real rfft (length M/2 + 1).
    """
    full = np.concatenate([c_half, c_half[-2:0:-1]])
    return np.fft.rfft(full).real


def sample_stationary_paths(spectrum: np.ndarray, n_paths: int, rng: np.random.Generator) -> np.ndarray:
    """Periodic stationary Gaussian paths, shape (M, n_paths), with circulant eigenvalues ``spectrum``.

    Notes
    -----
    With lam_k = FFT(c)_k >= 0 (negative values, from noise, are set to 0) and w_k complex standard
    normal, y = FFT(sqrt(lam / M) w) has E[y y^*] = 2 circ(c) and E[y y^T] = 0, so Re y and Im y
    are two independent exact samples of covariance circ(c) (circulant embedding).
    """
    lam = np.clip(np.asarray(spectrum, float), 0.0, None)
    m = 2 * (lam.size - 1)
    full = np.concatenate([lam, lam[-2:0:-1]])
    half = (n_paths + 1) // 2
    w = rng.standard_normal((m, half)) + 1j * rng.standard_normal((m, half))
    y = np.fft.fft(np.sqrt(full / m)[:, None] * w, axis=0)
    return np.concatenate([y.real, y.imag], axis=1)[:, :n_paths]


def lag_correlation(x: np.ndarray, n_lag: int) -> np.ndarray:
    """Time-averaged correlation per path: out[k, b] = mean_t x[t, b] x[t + k, b], k = 0..n_lag.

    Uses the unbiased normalisation 1 / (L - k) and zero padding (no wrap-around).
    """
    length = x.shape[0]
    if n_lag >= length:
        raise ValueError(f"n_lag must be < the path length {length}, got {n_lag}")
    nfft = 1 << int(math.ceil(math.log2(length + n_lag + 1)))
    f = np.fft.rfft(x, nfft, axis=0)
    acf = np.fft.irfft(f.real ** 2 + f.imag ** 2, nfft, axis=0)[: n_lag + 1]
    return acf / (length - np.arange(n_lag + 1))[:, None]


# ---- model plumbing --------------------------------------------------------------------------

class FieldModel:
    """Generated single-site kernels bound to the parameters (gated or additive)."""

    def __init__(self, params: ModelParams):
        check_stationary_state(params, "sampling DMFT")
        self.params = params
        self.gated = params.is_gated
        self.gen = load("gated" if self.gated else "additive")
        self._vf = kwargs_for(self.gen.vector_field, params)
        self._cf = kwargs_for(self.gen.correlation_factors, params)
        self.tau_z = params.tau_z if self.gated else 1.0
        self.tau_r = params.tau_r if self.gated else 1.0

    def dh_dt(self, h, z, eta_h):
        """dh/dt of the generated ``vector_field`` (eta_z, eta_r, r do not enter it)."""
        if self.gated:
            return self.gen.vector_field(h, z, 0.0, eta_h, 0.0, 0.0, **self._vf)[0]
        return self.gen.vector_field(h, eta_h, **self._vf)   # single output

    def factors(self, h, r):
        """(phi, phi', sigma_r, sigma_r') from the generated ``correlation_factors``."""
        if self.gated:
            s0, ds0, s1, ds1 = self.gen.correlation_factors(h, 0.0, r, **self._cf)[:4]
            return s0, ds0, s1, ds1
        s0, ds0 = self.gen.correlation_factors(h, **self._cf)[:2]
        one = np.ones_like(s0)
        return s0, ds0, one, np.zeros_like(s0)

    def gate_tables(self, c_r0: float):
        """C_{sigma_r}(C_r) and C_{sigma_r'}(C_r) at variance c_r0 (Chebyshev tables), or constants."""
        if not self.gated or self.params.alpha_r == 0 or c_r0 <= 0:
            s_r = float(self.factors(np.zeros(1), np.zeros(1))[2][0])
            ds_r = float(self.factors(np.zeros(1), np.zeros(1))[3][0])
            return (lambda c: np.full(np.shape(c), s_r ** 2)), (lambda c: np.full(np.shape(c), ds_r ** 2))
        # accuracy 1e-5 of the tables' scale: far below the sampling noise of C_phi (>= 1e-4 at
        # 8 x 512 paths); 1e-9 cost 10x more at alpha_r = 20 (steep gate: degree 128, ~1000 nodes)
        tab = correlation_table(lambda r: self.factors(np.zeros_like(r), r)[2:], ("s", "ds"), c_r0,
                                lower=-c_r0, target=1e-5, tol=1e-7)
        return (lambda c: tab("s", np.clip(c, -c_r0, c_r0))), (lambda c: tab("ds", np.clip(c, -c_r0, c_r0)))


# ---- result ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class SamplingDMFTResult:
    """Self-consistent sampling DMFT solution (stationary, beta_h = 0).

    Attributes
    ----------
    params : ModelParams
    delta_h, delta_h_stderr : float
        C_h(0) and its statistical error.
    tau_relax, tau_relax_stderr : float
        int_0^W C_h / C_h(0) and its statistical error.
    tau : ndarray
        Lags 0..W (step dt).
    c_h, c_phi, c_z, c_r : ndarray
        Correlations on ``tau`` (c_z, c_r from c_phi through their exact linear filters).
    c_h_stderr, c_phi_stderr : ndarray
    residuals, noise : list of float
        Per iteration: rms change of C_phi / C_phi(0), and rms sampling error of it / C_phi(0).
    n_iter : int
    settings : dict
        dt, window, n_paths, n_batches, damping, seed, n_average.
    """

    params: ModelParams
    delta_h: float
    delta_h_stderr: float
    tau_relax: float
    tau_relax_stderr: float
    tau: np.ndarray
    c_h: np.ndarray
    c_h_stderr: np.ndarray
    c_phi: np.ndarray
    c_phi_stderr: np.ndarray
    c_z: np.ndarray
    c_r: np.ndarray
    residuals: list = field(default_factory=list)
    noise: list = field(default_factory=list)
    n_iter: int = 0
    settings: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"delta_h": self.delta_h, "delta_h_stderr": self.delta_h_stderr,
                "tau_relax": self.tau_relax, "tau_relax_stderr": self.tau_relax_stderr,
                "corr": {"tau": self.tau.tolist(), "c_h": self.c_h.tolist(),
                         "c_h_stderr": self.c_h_stderr.tolist(), "c_phi": self.c_phi.tolist(),
                         "c_phi_stderr": self.c_phi_stderr.tolist(), "c_z": self.c_z.tolist(),
                         "c_r": self.c_r.tolist()},
                "residuals": list(self.residuals), "noise": list(self.noise), "n_iter": self.n_iter,
                "settings": dict(self.settings)}


# ---- the solver ------------------------------------------------------------------------------

class _Grid:
    """Lag window W = n_lag dt; fields on the half-step grid ds = dt / 2 with period P = 4 W."""

    def __init__(self, dt: float, n_lag: int):
        self.dt, self.n_lag = dt, n_lag
        self.ds = dt / 2
        self.m = 8 * n_lag                       # samples of period P = 4 W on the ds grid
        self.n_steps = self.m // 2               # RK4 steps of dt over one period
        self.n_burn = n_lag                      # discarded: the first W
        self.tau = np.arange(n_lag + 1) * dt
        self.tau_s = np.arange(self.m // 2 + 1) * self.ds
        self.omega = 2 * np.pi * np.fft.rfftfreq(self.m, d=self.ds)

    def to_fine(self, c: np.ndarray) -> np.ndarray:
        """C on the dt lag grid (0..W) -> ds lags 0..P/2: even cubic spline, cosine taper on the
        last fifth of W, zero beyond W."""
        spline = CubicSpline(self.tau, c, bc_type=((1, 0.0), "not-a-knot"))
        w = self.tau[-1]
        out = np.zeros(self.tau_s.size)
        inside = self.tau_s <= w
        out[inside] = spline(self.tau_s[inside])
        x = np.clip((self.tau_s - 0.8 * w) / (0.2 * w), 0.0, 1.0)
        return out * 0.5 * (1 + np.cos(np.pi * x))

    def from_fine(self, c_fine: np.ndarray) -> np.ndarray:
        return c_fine[: 2 * self.n_lag + 1: 2]


def _filtered(grid: _Grid, s_phi: np.ndarray, tau_x: float) -> np.ndarray:
    """C_x on the ds lags 0..P/2 for tau_x dx/dt = -x + eta, <eta eta> with circulant spectrum s_phi."""
    return np.fft.irfft(s_phi / (1 + (tau_x * grid.omega) ** 2), grid.m)[: grid.m // 2 + 1]


def _integrate_h(model: FieldModel, eta: np.ndarray, z: np.ndarray, grid: _Grid) -> np.ndarray:
    """RK4 for dh/dt of the generated vector field; fields on the ds grid; returns h on the dt
    grid after the burn-in (shape (n_steps - n_burn + 1, B))."""
    dt = grid.dt
    h = eta[0].copy()
    keep = grid.n_steps - grid.n_burn + 1
    out = np.empty((keep, eta.shape[1]))
    f = model.dh_dt
    for n in range(grid.n_steps):
        if n >= grid.n_burn:
            out[n - grid.n_burn] = h
        i = 2 * n
        k1 = f(h, z[i], eta[i])
        k2 = f(h + 0.5 * dt * k1, z[i + 1], eta[i + 1])
        k3 = f(h + 0.5 * dt * k2, z[i + 1], eta[i + 1])
        j = (i + 2) % grid.m
        k4 = f(h + dt * k3, z[j], eta[j])
        h = h + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    out[-1] = h
    return out


def _initial_c_phi(model: FieldModel, params: ModelParams, tau: np.ndarray) -> np.ndarray:
    """Starting guess: C_phi of the constant-gate DMFT at the same biases (alpha_z = alpha_r = 0)
    if that model is chaotic, else a Gaussian bump 0.5 exp(-tau^2 / 18)."""
    from .dmft import solve_dmft

    base = params.replace(alpha_z=0.0, alpha_r=0.0) if params.is_gated else params
    try:
        det = solve_dmft(base, tol=1e-6)
    except (ValueError, ConvergenceError):
        return 0.5 * np.exp(-0.5 * (tau / 3.0) ** 2)
    tab = correlation_table(lambda h: model.factors(h, np.zeros(1))[:1], ("f",), det.delta_h, target=1e-9)
    return tab("f", np.clip(det.c_h_at(tau), -det.delta_h, det.delta_h))


def _trend_free(values, k):
    """True if the last k values show no linear trend beyond 2 standard errors of the slope."""
    y = np.asarray(values[-k:], float)
    x = np.arange(y.size) - (y.size - 1) / 2
    slope = float(np.sum(x * y) / np.sum(x * x))
    resid = y - y.mean() - slope * x
    se = math.sqrt(float(np.sum(resid ** 2)) / (y.size - 2) / float(np.sum(x * x)))
    return abs(slope) <= 2 * se


def _window_decayed(c_h_batches, tail_tol):
    """True if the mean of C_h over the last fifth of the window is within tail_tol C_h(0) of 0,
    allowing 2 standard errors (over the batches of all chains, pooled) of that mean, but at most
    another tail_tol C_h(0): a noisy tail cannot hide an undecayed C_h (at alpha_z = 10, g_h = 6
    an uncapped allowance accepted C_h(W) / C_h(0) = 0.067 at W = 320; 2 SE is 0.05 C_h(0) at
    g_h = 4, alpha_z = 2 with 6 x 64 paths)."""
    n = c_h_batches.shape[1]
    tail = c_h_batches[:, int(0.8 * n):].mean(axis=1)
    se = tail.std(ddof=1) / math.sqrt(tail.size)
    c0 = c_h_batches[:, 0].mean()
    return bool(abs(tail.mean()) <= tail_tol * c0 + min(2 * se, tail_tol * c0))


def solve_dmft_sampling(params: ModelParams, *, n_paths: int = 128, n_chains: int = 8, n_batches: int = 4, dt: float = 0.1,
                        window: float | None = None, damping: float = 1.0, max_iter: int = 150,
                        noise_factor: float = 3.0, trend_window: int = 30, stretch: float = 4.0,
                        n_average: int = 8, tail_tol: float = 0.02,
                        max_window: float = 2000.0, seed: int = 0, c_phi_init=None,
                        progress: bool | None = None) -> SamplingDMFTResult:
    """Self-consistent sampling DMFT: C_h, C_phi, C_z, C_r, delta_h, tau_relax with errors.

    Parameters
    ----------
    params : ModelParams
        Gated (any alpha_z, alpha_r, beta_z, beta_r, tau_z, tau_r) or additive; beta_h = 0;
        zero inputs.
    n_paths : int
        Paths per iteration of each chain (>= 2 n_batches).
    n_chains : int
        Independent self-consistent chains (own seeds, same initial C_phi); the reported values
        are their mean and the errors their std / sqrt(n_chains) (>= 2).
    n_batches : int
        Batches of paths within an iteration, for the noise level of the convergence test (>= 2).
    dt : float
        RK4 step of the single-site integration (fields sampled at dt / 2), in (0, 0.5].
    window : float, optional
        Lag window W (default 40 / expit(-beta_z)); doubled while C_h has not decayed in it.
        Too short a window biases the solution low (C_phi is cut at W).
    damping : float
        Mixing weight of the new C_phi, in (0, 1].
    max_iter : int
        Iterations before ConvergenceError.
    noise_factor : float
        Converged when rms(C_phi change) <= noise_factor x rms(sampling error of C_phi) ...
    trend_window : int
        ... and the chain-mean correlation time of the new C_phi over the last trend_window
        iterations has no linear trend beyond 2 standard errors of the fitted slope (>= 4).
    stretch : float
        Over-relaxation factor of the correlation time before convergence (>= 1; 1 = plain
        damped iteration); see Notes.
    n_average : int
        Iterations after convergence whose batches make the reported averages (>= 1).
    tail_tol : float
        |mean of C_h over the last fifth of the window| / C_h(0) allowed (plus 2 stderr, at most
        another tail_tol).
    seed : int
        Root of the numpy SeedSequence; each iteration has its own child.
    c_phi_init : callable, optional
        Initial C_phi(tau); default: the constant-gate DMFT's C_phi at the same biases (if
        chaotic), else 0.5 exp(-tau^2 / 18).

    Returns
    -------
    SamplingDMFTResult

    Notes
    -----
    Iteration k: given C_phi^k on the lags [0, W],
    (1) S_phi = FFT of its even periodic extension (period P = 4 W, zero beyond W);
    (2) C_z, C_r from S_phi / (1 + tau^2 omega^2); C_{sigma_r}(tau) = <sigma_r sigma_r'> at variance
    C_r(0), covariance C_r(tau); C_eta_h = C_{sigma_r} C_phi;
    (3) draw eta_h and z by circulant embedding, integrate h (RK4), discard t < W;
    (4) C_phi^new, C_h^new from the paths (per batch, time-averaged, FFT);
    (5) residual r_k = rms_tau(C_phi^new - C_phi^k) / C_phi^new(0), noise s_k = rms_tau(stderr of
    C_phi^new over batches) / C_phi^new(0); C_phi^{k+1} = (1 - damping) C_phi^k + damping C_phi^new.
    Converged at the first k with r_k <= noise_factor s_k in every chain and no significant
    trend of the chain mean of tau_phi = int C_phi^new / C_phi^new(0) over the last trend_window
    iterations (the slowest mode
    of the iteration, the width of C, changes by less than the noise per step, so r_k alone
    stops too early); then n_average more iterations are
    run and averaged. The whole loop runs in n_chains independent chains; results are the chain
    mean and stderr = chain std / sqrt(n_chains). (Errors from batches inside one chain
    underestimate the error: the damped iteration has a slow mode, the width of C, along which
    the noise of the input C_phi accumulates; at alpha = 0, g_h = 4 one chain of 512 paths sat
    5 batch-stderrs below the exact tau_relax.)

    Raises
    ------
    ValueError
        bad input (names the parameter and its allowed range).
    ConvergenceError
        no convergence in max_iter iterations (residual history attached), or the window reached
        max_window without C_h decaying.
    """
    _check_int("n_paths", n_paths, 2)
    _check_int("n_batches", n_batches, 2)
    _check_int("n_chains", n_chains, 2)
    if n_paths < 2 * n_batches:
        raise ValueError(f"n_paths must be >= 2 n_batches = {2 * n_batches}, got {n_paths}")
    _check_int("max_iter", max_iter, 1)
    _check_int("n_average", n_average, 1)
    _check_int("trend_window", trend_window, 4)
    if not (isinstance(stretch, (int, float)) and 1 <= stretch <= 20):
        raise ValueError(f"stretch must be in [1, 20], got {stretch!r}")
    _check_int("seed", seed, 0)
    if not (isinstance(dt, (int, float)) and 0 < dt <= 0.5):
        raise ValueError(f"dt must be in (0, 0.5], got {dt!r}")
    if not (isinstance(damping, (int, float)) and 0 < damping <= 1):
        raise ValueError(f"damping must be in (0, 1], got {damping!r}")
    if not (isinstance(noise_factor, (int, float)) and noise_factor > 0):
        raise ValueError(f"noise_factor must be > 0, got {noise_factor!r}")
    model = FieldModel(params)
    if params.is_gated and not (params.g_h > 0):
        raise ValueError(f"g_h must be > 0 for a chaotic state, got {params.g_h}")
    s_bar = 1.0 / (1.0 + math.exp(params.beta_z)) if params.is_gated else 1.0
    if window is None:
        window = 40.0 / s_bar
    if not (isinstance(window, (int, float)) and window >= 10 * dt):
        raise ValueError(f"window must be >= 10 dt = {10 * dt:g}, got {window!r}")
    init = c_phi_init or (lambda t: _initial_c_phi(model, params, t))
    grid = _Grid(dt, int(round(window / dt)))
    c0 = np.asarray(init(grid.tau), float)
    chains = [_Chain(c0.copy(), ss) for ss in np.random.SeedSequence(seed).spawn(n_chains)]
    it = 0
    with progress_bar(max_iter + n_average, "sampling DMFT", progress) as bar:
        while True:
            active = [ch for ch in chains if len(ch.collected) < n_average]
            if not active:
                break
            it += 1
            ests = _iterate_chains(model, grid, active, n_paths, n_batches)
            widen = False
            for ch, est in zip(active, ests):
                ch.update(est, damping, n_batches, dt,
                          stretch=stretch if chains[0].converged_at is None else 1.0)
                if ch.converged_at is not None:
                    ch.collected.append(est)
            if chains[0].converged_at is None:
                # all chains are declared converged together: each is at its noise level and the
                # chain-mean correlation time has no trend (averaging over chains makes the trend
                # test sqrt(n_chains) more sensitive to the slow mode of the iteration)
                mean_width = np.mean([ch.widths for ch in chains], axis=0)
                if (all(ch.residuals[-1] <= noise_factor * ch.noise[-1] for ch in chains)
                        and mean_width.size >= trend_window and _trend_free(mean_width, trend_window)):
                    if not _window_decayed(np.concatenate([e["c_h_batches"] for e in ests]), tail_tol):
                        widen = True
                    else:
                        for ch in chains:
                            ch.converged_at = ch.iterations
                elif chains[0].iterations >= max_iter:
                    ch = chains[0]
                    raise ConvergenceError(
                        f"sampling DMFT not converged in {max_iter} iterations (last residual "
                        f"{ch.residuals[-1]:.3g}, {noise_factor:g} x noise "
                        f"{noise_factor * ch.noise[-1]:.3g}; last chain-mean correlation times "
                        f"{np.round(mean_width[-trend_window:], 3).tolist()})", residuals=ch.residuals)
            if widen:   # C_h has not decayed in the window: double it for every chain and restart the tests
                if 2 * grid.tau[-1] > max_window:
                    raise ConvergenceError(f"C_h has not decayed within the window {grid.tau[-1]:g} "
                                           f"(max_window {max_window:g})", residuals=chains[0].residuals)
                grid = _Grid(dt, 2 * grid.n_lag)
                for ch in chains:
                    ch.widen(grid.n_lag)
            bar.update()
    return _summarise(params, model, grid, chains, dict(
        dt=dt, window=float(grid.tau[-1]), n_paths=n_paths, n_batches=n_batches,
        n_chains=n_chains, damping=damping, seed=seed, n_average=n_average,
        converged_at=[ch.converged_at for ch in chains]))


class _Chain:
    """State of one self-consistent chain: input C_phi, histories, collected estimates."""

    def __init__(self, c_phi, seedseq):
        self.c_phi, self.seedseq = c_phi, seedseq
        self.residuals, self.noise, self.widths, self.collected = [], [], [], []
        self.converged_at, self.iterations = None, 0

    def rng(self):
        return np.random.default_rng(self.seedseq.spawn(1)[0])

    def update(self, est, damping, n_batches, dt, stretch=1.0):
        new = est["c_phi_batches"].mean(axis=0)
        w_in = float((np.sum(self.c_phi) - 0.5 * self.c_phi[0]) * dt / self.c_phi[0])
        se = est["c_phi_batches"].std(axis=0, ddof=1) / math.sqrt(n_batches)
        if not new[0] > 0:
            raise ConvergenceError("sampling DMFT collapsed to the quiescent state (C_phi(0) = 0)",
                                   residuals=self.residuals)
        self.iterations += 1
        self.residuals.append(float(np.sqrt(np.mean((new - self.c_phi) ** 2)) / new[0]))
        self.noise.append(float(np.sqrt(np.mean(se ** 2)) / new[0]))
        self.widths.append(float((np.sum(new) - 0.5 * new[0]) * dt / new[0]))
        self.c_phi = (1 - damping) * self.c_phi + damping * new
        if stretch != 1.0:
            # over-relax the slow mode (the time scale of C): stretch the lag axis by
            # (stretch - 1) x the relative change of the correlation time, limited to [0.8, 1.25]
            s = float(np.clip(1 + (stretch - 1) * damping * (self.widths[-1] - w_in) / w_in, 0.8, 1.25))
            tau = np.arange(self.c_phi.size) * dt
            self.c_phi = np.interp(tau / s, tau, self.c_phi, right=0.0)

    def widen(self, n_lag):
        self.c_phi = np.concatenate([self.c_phi, np.zeros(n_lag + 1 - self.c_phi.size)])
        self.widths.clear()
        self.collected.clear()
        self.converged_at = None


def _iterate_chains(model, grid, chains, n_paths, n_batches) -> list[dict]:
    """One iteration of every chain, with all chains' paths integrated together."""
    etas, zs, spectra = [], [], []
    for ch in chains:
        sp = field_spectra(model, grid, ch.c_phi)
        rng = ch.rng()
        etas.append(sample_stationary_paths(sp["s_eta"], n_paths, rng))
        zs.append(sample_stationary_paths(sp["s_z"], n_paths, rng) if model.gated else None)
        spectra.append(sp)
    eta = np.concatenate(etas, axis=1)
    z = np.concatenate(zs, axis=1) if model.gated else np.zeros_like(eta)
    del etas, zs
    h = _integrate_h(model, eta, z, grid)
    del eta, z
    ph = model.factors(h, np.zeros(1))[0]
    ch_all = lag_correlation(h, grid.n_lag)
    cp_all = lag_correlation(ph, grid.n_lag)
    out = []
    for c in range(len(chains)):
        cols = np.arange(c * n_paths, (c + 1) * n_paths)
        batches = np.array_split(cols, n_batches)
        out.append({"c_h_batches": np.stack([ch_all[:, b].mean(1) for b in batches]),
                    "c_phi_batches": np.stack([cp_all[:, b].mean(1) for b in batches])})
    return out


def _check_int(name, value, low):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")


def field_spectra(model: FieldModel, grid: _Grid, c_phi: np.ndarray) -> dict:
    """Circulant spectra of eta_h and z and the filtered correlations C_z, C_r (ds lags 0..P/2)."""
    fine = grid.to_fine(c_phi)
    s_phi = periodic_spectrum(fine)
    c_z = _filtered(grid, s_phi, model.tau_z)
    c_r = _filtered(grid, s_phi, model.tau_r)
    c_sr, c_dsr = model.gate_tables(float(c_r[0]))
    c_eta = c_sr(c_r) * fine
    return {"fine": fine, "s_phi": s_phi, "s_z": s_phi / (1 + (model.tau_z * grid.omega) ** 2),
            "s_eta": periodic_spectrum(c_eta), "c_z": c_z, "c_r": c_r, "c_sr": c_sr(c_r),
            "c_dsr": c_dsr(c_r)}


def _summarise(params, model, grid, chains, settings):
    """Per chain: averages over its n_average iterations and batches; across chains: mean and
    stderr = std / sqrt(n_chains) (the chains are independent, so this includes the noise that the
    damped iteration carries along its slow mode); tau_relax from the chain-mean C_h with a
    jackknife error over chains."""
    

    def integral(c):
        return (np.sum(c, axis=-1) - 0.5 * (c[..., 0] + c[..., -1])) * grid.dt

    per = []
    for ch in chains:
        c_h = np.concatenate([e["c_h_batches"] for e in ch.collected]).mean(0)
        c_p = np.concatenate([e["c_phi_batches"] for e in ch.collected]).mean(0)
        per.append((c_h, c_p, c_h[0], integral(c_h) / c_h[0]))
    c_h_all = np.array([p[0] for p in per])
    c_p_all = np.array([p[1] for p in per])
    n = len(chains)

    def mean_se(x):
        x = np.asarray(x)
        return x.mean(0), x.std(0, ddof=1) / math.sqrt(n)

    c_h, c_h_se = mean_se(c_h_all)
    c_p, c_p_se = mean_se(c_p_all)
    delta, delta_se = mean_se([p[2] for p in per])
    # tau_relax is a ratio: from the chain-mean C_h (a mean of per-chain ratios carries the ratio
    # bias of one chain's paths, O(1 / paths per chain): measured 0.12 of 6.5 at 32 paths per chain,
    # 0.015 at 256, additive g = 2), with the jackknife error over chains
    tau_relax = float(integral(c_h) / c_h[0])
    loo = (c_h_all.sum(0)[None, :] - c_h_all) / (n - 1)
    loo_tau = integral(loo) / loo[:, 0]
    tau_se = float(math.sqrt((n - 1) / n * np.sum((loo_tau - loo_tau.mean()) ** 2)))
    sp = field_spectra(model, grid, c_p)
    residuals = [r for ch in chains for r in ch.residuals]
    noise = [r for ch in chains for r in ch.noise]
    settings = dict(settings, chain_delta_h=[float(p[2]) for p in per],
                    chain_tau_relax=[float(p[3]) for p in per])
    return SamplingDMFTResult(params, float(delta), float(delta_se), float(tau_relax), float(tau_se),
                              grid.tau.copy(), c_h, c_h_se, c_p, c_p_se, grid.from_fine(sp["c_z"]),
                              grid.from_fine(sp["c_r"]), residuals, noise,
                              max(ch.iterations for ch in chains), settings)
