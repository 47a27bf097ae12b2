"""Stationary two-point Gaussian averages of the DMFT, vectorised over the covariance.

Notes
-----
For jointly Gaussian (x, y) with equal variances C0 and covariance C (|C| <= C0),

    <f(x) g(y)> = int Dz F(sqrt|C| z) G(sign(C) sqrt|C| z),
    F(m) = int Dy f(m + sqrt(C0 - |C|) y),   G(m) = int Dy g(m + sqrt(C0 - |C|) y),

(x = sqrt(C0 - |C|) y1 + sqrt|C| z, y = sqrt(C0 - |C|) y2 + sign(C) sqrt|C| z). Both integrals
are trapezoid rules in standard-normal variables (robust for tanh-type integrands at large
variance, DESIGN.md), batched over many covariances. :class:`CorrelationTable` holds
Chebyshev interpolants in C on [-C0, C0] of the functions the constant-gate DMFT needs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.polynomial import chebyshev as cheb

from .errors import ConvergenceError
from .gaussian import half_width

_SQRT_2PI = np.sqrt(2 * np.pi)

__all__ = ["stationary_autocorrelations", "stationary_two_point", "CorrelationTable", "correlation_table"]


def stationary_autocorrelations(funcs: Callable, c0: float, c, *, tol: float = 1e-12,
                                chunk: int = 16, max_nodes: int = 4096) -> np.ndarray:
    """<a_k(x) a_k(y)> for every output a_k of ``funcs``; (x, y) Gaussian, variances c0, covariance c.

    Parameters
    ----------
    funcs : callable
        Vectorised; ``funcs(x)`` returns a sequence of arrays a_k(x) (e.g. the generated
        ``energy_potential_terms`` bound to the parameters).
    c0 : float
        Common variance (> 0).
    c : float or array
        Covariances, |c| <= c0 (clipped to it within 1e-12 relative).
    tol : float
        Requested accuracy relative to the largest |<a_k a_k>| of the batch (per k).
    chunk : int
        Covariances per vectorised block.
    max_nodes : int
        Node budget per standard-normal axis; ConvergenceError beyond it.

    Returns
    -------
    ndarray of shape (K,) + np.shape(np.atleast_1d(c)).

    Notes
    -----
    <a a> = int Dz A(sqrt|C| z) A(sign(C) sqrt|C| z) with A the conditional average over
    variance C0 - |C| (module docstring). Both integrals use the same trapezoid rule on
    [-L, L] (L from :func:`theory.gaussian.half_width`); the node count is doubled until the
    results change by less than ``tol`` times the batch scale. (A per-element relative test
    stalls where A is ~0 in the tails, hence the batch scale.)
    """
    c0 = float(c0)
    if not (np.isfinite(c0) and c0 > 0):
        raise ValueError(f"c0 must be a finite number > 0, got {c0!r}")
    c = np.atleast_1d(np.asarray(c, dtype=float))
    if not np.all(np.isfinite(c)) or np.any(np.abs(c) > c0 * (1 + 1e-12)):
        raise ValueError(f"covariances must satisfy |c| <= c0 = {c0!r}")
    c = np.clip(c, -c0, c0)
    flat = c.ravel()
    out = None
    L = half_width(tol)
    history = []
    for i in range(0, flat.size, chunk):
        cc = flat[i:i + chunk]
        a, sg = np.sqrt(np.abs(cc)), np.sign(cc)
        s = np.sqrt(np.maximum(c0 - np.abs(cc), 0.0))
        n, previous = 64, None
        while True:
            xi = np.linspace(-L, L, n + 1)
            w = np.exp(-0.5 * xi * xi) * (2 * L / n) / _SQRT_2PI
            x = s * xi[None, :, None] + a * xi[:, None, None]
            ax = [np.tensordot(w, np.broadcast_to(np.asarray(v, float), x.shape), axes=(0, 1))
                  for v in funcs(x)]
            if np.all(sg >= 0):
                ay = ax
            else:
                y = s * xi[None, :, None] + sg * a * xi[:, None, None]
                ay = [np.tensordot(w, np.broadcast_to(np.asarray(v, float), y.shape), axes=(0, 1))
                      for v in funcs(y)]
            value = np.array([np.tensordot(w, p * q, axes=(0, 0)) for p, q in zip(ax, ay)])
            if previous is not None:
                err = np.max(np.abs(value - previous), axis=1)
                scale = np.maximum(np.max(np.abs(value), axis=1), 1e-300)
                history.append(float(np.max(err / scale)))
                if np.all(err <= tol * scale):
                    break
            if 2 * n > max_nodes:
                raise ConvergenceError(
                    f"two-point average not converged to tol={tol:g} with {n + 1} nodes per axis",
                    residuals=history)
            previous, n = value, 2 * n
        if out is None:
            out = np.empty((value.shape[0], flat.size))
        out[:, i:i + chunk] = value
    return out.reshape((out.shape[0],) + c.shape)


def stationary_two_point(f: Callable, g: Callable, c0: float, c, **kwargs) -> np.ndarray:
    """<f(x) g(y)>, (x, y) Gaussian with variances c0 and covariance c (array); see
    :func:`stationary_autocorrelations` (same rule: <f g> = (<(f+g)(f+g)> - <(f-g)(f-g)>) / 4)."""
    both = stationary_autocorrelations(lambda x: (f(x) + g(x), f(x) - g(x)), c0, c, **kwargs)
    return 0.25 * (both[0] - both[1])


@dataclass(frozen=True)
class CorrelationTable:
    """Chebyshev interpolants in C (on [lower, c0]) of two-point averages at variance c0.

    Attributes
    ----------
    c0 : float
        The common variance.
    series : dict
        name -> numpy Chebyshev series in the variable C.
    error : float
        Largest interpolation error at check points between the nodes, relative to max |value|.
    """

    c0: float
    series: dict
    error: float

    def __call__(self, name: str, c):
        return self.series[name](np.asarray(c, dtype=float))


def correlation_table(funcs: Callable, names, c0: float, *, lower: float = 0.0, degree: int = 32,
                      tol: float = 1e-12, max_degree: int = 512, target: float = 1e-11) -> CorrelationTable:
    """Chebyshev interpolants in C on [lower, c0] of <a_k(x) a_k(y)>, a_k = ``funcs(x)[k]``.

    The degree is doubled until the interpolants agree with direct evaluation at points
    between the nodes to ``target`` relative to max |value|; otherwise ConvergenceError.

    Notes
    -----
    Nodes C_j = (c0 + lower)/2 + (c0 - lower)/2 cos(pi (j + 1/2) / n). The functions are
    C-infinity on [-c0, c0] (Mehler series in C / c0), but vary on the scale
    1 / (g_h^2 c0) in 1 - C / c0 for steep activations, so large g_h needs high degree.
    """
    names = tuple(names)
    history = []
    n = degree
    while True:
        k = np.arange(n)
        mid, half = 0.5 * (c0 + lower), 0.5 * (c0 - lower)
        nodes = mid + half * np.cos(np.pi * (k + 0.5) / n)
        checks = mid + half * np.cos(np.pi * (np.arange(0, n, max(1, n // 8)) + 1.0) / n)
        vals = stationary_autocorrelations(funcs, c0, np.concatenate([nodes, checks]), tol=tol)
        if vals.shape[0] != len(names):
            raise ValueError(f"funcs returns {vals.shape[0]} outputs, names has {len(names)}")
        series, err = {}, 0.0
        for name, v in zip(names, vals):
            s = cheb.Chebyshev.fit(nodes, v[:n], n - 1, domain=[lower, c0])
            scale = max(float(np.max(np.abs(v))), 1e-300)
            err = max(err, float(np.max(np.abs(s(checks) - v[n:])) / scale))
            series[name] = s
        history.append(err)
        if err <= target:
            return CorrelationTable(float(c0), series, err)
        if 2 * n > max_degree:
            raise ConvergenceError(
                f"Chebyshev tables of the DMFT averages not converged to {target:g} at degree {n}",
                residuals=history)
        n *= 2
