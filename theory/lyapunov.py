"""Lyapunov spectrum of a finite network (QR method) and the twin-trajectory lambda_max.

Notes
-----
QR method: a tangent frame Q (n_fields N x k, orthonormal) is carried by the exact linearisation
of the integrator step (theory.integrators.step_with_tangent) and re-orthonormalised every
``reortho_interval``: Q R = frame. Over a window of length T,

    lambda_i = (1/T) sum log |R_ii|,

so the exponents are exactly those of the discrete map actually simulated. They are returned in
frame-column order (decreasing up to finite-time fluctuations of near-degenerate pairs), so that
``frame`` stays aligned with them. The window is cut
into ``n_blocks`` equal blocks; block exponents give the standard error
std(block values) / sqrt(n_blocks) (blocks are treated as independent, so correlations longer
than a block make it an underestimate).

Twin trajectory: a copy displaced by d0 is integrated alongside (as a batch of two) and
renormalised to distance d0 every ``renorm_interval``; lambda_max = <log(d / d0)> / interval.

Kaplan-Yorke dimension: D = j + (lambda_1 + ... + lambda_j) / |lambda_{j+1}|, j the largest
index with a non-negative partial sum. Entropy rate (Pesin): sum of the positive exponents.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .integrators import check_method, n_steps, step, step_with_tangent
from .params import validate_positive
from .progress import progress_bar
from .simulation import integrate


@dataclass
class LyapunovResult:
    """Leading Lyapunov exponents with block statistics, and the final state and frame."""

    exponents: np.ndarray
    stderr: np.ndarray
    block_exponents: np.ndarray
    state: np.ndarray
    frame: np.ndarray
    t: float
    dt: float
    method: str
    t_run: float

    @property
    def lambda_max(self) -> float:
        return float(self.exponents[0])

    @property
    def lambda_max_stderr(self) -> float:
        return float(self.stderr[0])

    @property
    def kaplan_yorke_dim(self) -> float:
        return kaplan_yorke_dimension(self.exponents)

    @property
    def entropy_rate(self) -> float:
        return entropy_rate(self.exponents)


@dataclass
class TwinResult:
    """lambda_max from a twin trajectory, with block statistics."""

    lambda_max: float
    stderr: float
    block_values: np.ndarray
    d0: float
    renorm_interval: float


def kaplan_yorke_dimension(exponents) -> float:
    """Kaplan-Yorke (Lyapunov) dimension; NaN if the given exponents do not reach a negative sum.

    Notes
    -----
    D = j + S_j / |lambda_{j+1}| with S_j = lambda_1 + ... + lambda_j >= 0 and S_{j+1} < 0
    (exponents sorted in decreasing order); D = 0 if lambda_1 < 0.
    """
    lam = np.sort(np.asarray(exponents, dtype=float))[::-1]
    partial = np.cumsum(lam)
    if lam.size == 0 or lam[0] < 0:
        return 0.0
    nonneg = np.nonzero(partial >= 0)[0]
    j = int(nonneg[-1]) + 1
    if j == lam.size:
        return math.nan  # need more exponents to close the sum
    return j + partial[j - 1] / abs(lam[j])


def entropy_rate(exponents) -> float:
    """Kolmogorov-Sinai entropy rate by Pesin's formula: the sum of positive exponents."""
    lam = np.asarray(exponents, dtype=float)
    return float(lam[lam > 0].sum())


def _qr_logs(frame: np.ndarray):
    """Re-orthonormalise a frame (n_fields, N, k) in place; return log |R_ii|."""
    flat = frame.reshape(-1, frame.shape[-1])
    q, r = np.linalg.qr(flat)
    flat[...] = q
    return np.log(np.abs(np.diagonal(r)))


def _block_plan(t_run: float, dt: float, n_blocks: int):
    steps = n_steps(t_run, dt, "t_run")
    if isinstance(n_blocks, bool) or not isinstance(n_blocks, (int, np.integer)) or n_blocks < 2:
        raise ValueError(f"n_blocks must be an integer >= 2, got {n_blocks!r}")
    if steps % n_blocks:
        raise ValueError(f"t_run/dt = {steps} steps must be divisible by n_blocks = {n_blocks}")
    return steps // n_blocks


def _block_stats(values: np.ndarray):
    mean = values.mean(axis=0)
    stderr = values.std(axis=0, ddof=1) / math.sqrt(values.shape[0])
    return mean, stderr


def lyapunov_spectrum(network, k: int | None = None, *, dt: float = 0.05, method: str = "rk4",
                      t_transient: float = 50.0, t_frame_transient: float = 20.0,
                      t_run: float = 200.0, reortho_interval: float = 1.0, n_blocks: int = 10,
                      y0=None, frame0=None, t0: float = 0.0,
                      progress: bool | None = None, dtype: str = "float64") -> LyapunovResult:
    """Leading ``k`` Lyapunov exponents (all if k is None) by QR re-orthonormalisation.

    Parameters
    ----------
    network : GatedNetwork
    k : int, optional
        Number of exponents, 1 <= k <= n_fields N.
    dt, method : step size and integrator ("rk4" or "euler"); the tangent map is its exact
        linearisation.
    t_transient : float
        State-only transient before the frame starts.
    t_frame_transient : float
        Transient during which the frame is evolved and re-orthonormalised but not recorded.
    t_run : float
        Recorded window, cut into ``n_blocks`` blocks.
    reortho_interval : float
        Time between re-orthonormalisations (rounded to whole steps).
    y0, frame0 : arrays, optional
        Initial state (n_fields, N) and frame (n_fields, N, k); default: the network's initial
        state and a seeded random orthonormal frame. Pass a previous result's ``state`` and
        ``frame`` (with zero transients) to continue a run.
    dtype : {"float64", "float32"}
        Precision of the tangent run (frame transient and recorded window; the state-only
        transient stays in float64). float32 halves memory traffic and roughly halves the BLAS
        time at large N; the log growth rates are still accumulated in float64. Accuracy check:
        tests/test_lyapunov.py compares float32 and float64 exponents within their error bars.

    Returns
    -------
    LyapunovResult
    """
    check_method(method)
    dt = validate_positive("dt", dt)
    validate_positive("t_transient", t_transient, allow_zero=True)
    validate_positive("t_frame_transient", t_frame_transient, allow_zero=True)
    validate_positive("reortho_interval", reortho_interval)
    block_steps = _block_plan(t_run, dt, n_blocks)
    k = network.dim if k is None else k
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= network.dim:
        raise ValueError(f"k must be an integer in [1, {network.dim}], got {k!r}")
    y = network.check_state(network.initial_state() if y0 is None else y0, "y0")
    if y.ndim != 2:
        raise ValueError("the Lyapunov spectrum needs a single trajectory, shape (n_fields, N)")
    if frame0 is None:
        rng = np.random.default_rng(np.random.SeedSequence([network.seed, 1]))
        frame = rng.standard_normal((network.n_fields, network.n, k))
    else:
        frame = np.array(frame0, dtype=float)
        if frame.shape != (network.n_fields, network.n, k):
            raise ValueError(f"frame0 must have shape {(network.n_fields, network.n, k)}")
    if dtype not in ("float64", "float32"):
        raise ValueError(f"dtype must be 'float64' or 'float32', got {dtype!r}")
    _qr_logs(frame)
    q_steps = max(1, int(round(reortho_interval / dt)))

    t = t0
    if t_transient > 0:
        y = integrate(network, y, t_transient, dt, method, t0=t, progress=progress, desc="transient")
        t += n_steps(t_transient, dt) * dt
    run_net = network.astype(dtype)
    if dtype != "float64":
        y, frame = y.astype(dtype), frame.astype(dtype)

    def evolve(n_total, logs_out, desc):
        nonlocal y, frame, t
        with progress_bar(n_total, desc, progress) as bar:
            for i in range(n_total):
                y, frame = step_with_tangent(run_net, t, y, frame, dt, method)
                t += dt
                if (i + 1) % q_steps == 0 or (logs_out is not None and (i + 1) % block_steps == 0) \
                        or i + 1 == n_total:
                    logs = _qr_logs(frame)
                    if logs_out is not None:
                        logs_out[i // block_steps] += logs
                bar.update()

    if t_frame_transient > 0:
        evolve(n_steps(t_frame_transient, dt, "t_frame_transient"), None, "frame transient")
    block_logs = np.zeros((n_blocks, k))
    evolve(block_steps * n_blocks, block_logs, "lyapunov")
    block_exponents = block_logs / (block_steps * dt)
    mean, stderr = _block_stats(block_exponents)
    return LyapunovResult(mean, stderr, block_exponents, y, frame, t, dt, method, t_run)


def lambda_max_twin(network, *, dt: float = 0.05, method: str = "rk4", t_transient: float = 50.0,
                    t_align: float = 20.0, t_run: float = 200.0, renorm_interval: float = 1.0, d0: float = 1e-8,
                    n_blocks: int = 10, y0=None, t0: float = 0.0,
                    progress: bool | None = None) -> TwinResult:
    """Maximal Lyapunov exponent from the divergence of two nearby trajectories.

    Notes
    -----
    The perturbed copy starts at y + d0 u (u a seeded random unit vector over all fields) and is
    pulled back to distance d0 (Euclidean norm over h, z, r) every ``renorm_interval``;
    lambda_max = sum log(d / d0) / T over the recorded window (after the alignment time
    ``t_align``).
    """
    check_method(method)
    dt = validate_positive("dt", dt)
    d0 = validate_positive("d0", d0)
    validate_positive("renorm_interval", renorm_interval)
    validate_positive("t_align", t_align, allow_zero=True)
    block_steps = _block_plan(t_run, dt, n_blocks)
    y = network.check_state(network.initial_state() if y0 is None else y0, "y0")
    if y.ndim != 2:
        raise ValueError("lambda_max_twin needs a single trajectory, shape (n_fields, N)")
    t = t0
    if t_transient > 0:
        y = integrate(network, y, t_transient, dt, method, t0=t, progress=progress, desc="transient")
        t += n_steps(t_transient, dt) * dt
    rng = np.random.default_rng(np.random.SeedSequence([network.seed, 2]))
    u = rng.standard_normal(y.shape)
    pair = np.stack([y, y + d0 * u / np.linalg.norm(u)], axis=-1)
    r_steps = max(1, int(round(renorm_interval / dt)))
    logs = np.zeros(n_blocks)
    align = n_steps(t_align, dt, "t_align")
    total = align + block_steps * n_blocks
    with progress_bar(total, "twin trajectory", progress) as bar:
        for i in range(total):
            pair = step(network, t, pair, dt, method)
            t += dt
            j = i - align  # step index inside the recorded window (negative while aligning)
            if (i + 1) % r_steps == 0 or i + 1 == align or (j >= 0 and (j + 1) % block_steps == 0):
                sep = pair[..., 1] - pair[..., 0]
                d = np.linalg.norm(sep)
                if j >= 0:
                    logs[j // block_steps] += math.log(d / d0)
                pair[..., 1] = pair[..., 0] + sep * (d0 / d)
            bar.update()
    values = logs / (block_steps * dt)
    mean, stderr = _block_stats(values)
    return TwinResult(float(mean), float(stderr), values, d0, renorm_interval)
