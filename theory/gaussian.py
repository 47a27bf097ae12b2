"""Fast Gaussian averages (one-point, independent multi-point, correlated two-point) to a tolerance.

Notes
-----
All averages are integrals in standard-normal variables xi over [-L, L], with L chosen so that
the neglected tail mass is below the tolerance. The default rule is the trapezoid rule with node
doubling (nested: every level reuses the previous nodes), which converges exponentially for the
analytic integrands of the theory (tanh at large variance, steep logistic gates) where
Gauss-Hermite converges slowly. Integrands with kinks or jumps (ReLU, hard gates) take
``breakpoints``: the line is split there and each piece uses Gauss-Legendre rules of doubling
order. The error estimate is the change between the last two levels, relative to the L1 mass
E|f|; a ConvergenceError is raised if the node budget runs out first.
"""

from __future__ import annotations

import math

import numpy as np

from .errors import ConvergenceError

DEFAULT_TOL = 1e-12
_SQRT_2PI = math.sqrt(2.0 * math.pi)


def half_width(tol: float) -> float:
    """Half-width L in standard-normal units with tail mass P(|xi| > L) well below ``tol``."""
    _check_tol(tol)
    return min(12.0, math.sqrt(2.0 * math.log(1.0 / tol)) + 2.0)


def _check_tol(tol):
    if not (isinstance(tol, (int, float)) and 1e-15 <= tol < 1):
        raise ValueError(f"tol must be a number in [1e-15, 1), got {tol!r}")


def _check_variance(name, v):
    v = np.asarray(v, dtype=float)
    if not np.isfinite(v).all() or (v < 0).any():  # ndarray methods: cheap for small arrays
        raise ValueError(f"{name} must be finite and >= 0, got {v!r}")
    return v


def _pdf(xi):
    return np.exp(-0.5 * xi * xi) / _SQRT_2PI


def _expand(xi, batch_ndim):
    return xi.reshape(xi.shape + (1,) * batch_ndim)


def gaussian_average(f, variance, mean=0.0, *, tol=DEFAULT_TOL, batch_ndim=None, breakpoints=None,
                     max_nodes=2**20, return_error=False):
    """E f(x) for x ~ N(mean, variance).

    Parameters
    ----------
    f : callable
        Vectorised; called with an array of nodes of shape (n,) + (1,) * batch_ndim and must
        broadcast to (n,) + batch shape.
    variance, mean : float or array
        Arrays broadcast against the batch axes (trailing).
    tol : float
        Requested accuracy relative to E|f| (1e-15 <= tol < 1); the node count is chosen from it.
    batch_ndim : int, optional
        Number of batch axes of the result; default ``ndim`` of ``variance`` and ``mean``.
    breakpoints : sequence of float, optional
        Points (in x units) where f has a kink or jump; switches to piecewise Gauss-Legendre.

    Returns
    -------
    float or array (and the error estimate if ``return_error``)

    Notes
    -----
    E f = int f(mean + sqrt(variance) xi) exp(-xi^2/2) / sqrt(2 pi) dxi over |xi| <= L(tol).
    """
    _check_tol(tol)
    variance = _check_variance("variance", variance)
    mean = np.asarray(mean, dtype=float)
    if batch_ndim is None:
        batch_ndim = max(variance.ndim, mean.ndim)
    sd = np.sqrt(variance)
    L = half_width(tol)

    def integrand(xi):
        x = mean + sd * _expand(xi, batch_ndim)
        return np.asarray(f(x), dtype=float)

    if breakpoints is not None and len(breakpoints) > 0:
        value, err = _piecewise_legendre(integrand, sd, mean, breakpoints, L, tol, max_nodes, batch_ndim)
    else:
        value, err = _nested_trapezoid(integrand, L, tol, max_nodes, batch_ndim)
    return (value, err) if return_error else value


#: Trapezoid levels evaluated together in the first integrand call (the stopping rule needs at
#: least levels 0, 1 and 2, so this costs no extra nodes).
_FIRST_LEVELS = 3
_NODE_CACHE: dict = {}
#: Integrand values per call of :func:`columnwise_average` beyond the first levels (memory bound).
_BLOCK_VALUES = 2**21


def _trapezoid_level(L, n0, level):
    """Nodes and pdf weights of one level of the nested trapezoid rule on [-L, L] (cached).

    Level 0 is the n0 + 1 end-point rule, level k >= 1 the n0 2^(k-1) midpoints of level k - 1.
    """
    key = (L, n0, level)
    if key not in _NODE_CACHE:
        if len(_NODE_CACHE) > 4096:
            _NODE_CACHE.clear()
        if level == 0:
            xi = np.linspace(-L, L, n0 + 1)
        else:
            n = n0 * 2 ** (level - 1)
            xi = -L + (2 * L / n) * (np.arange(n) + 0.5)
        w = _pdf(xi)
        xi.flags.writeable = w.flags.writeable = False  # shared between calls
        _NODE_CACHE[key] = (xi, w)
    return _NODE_CACHE[key]


def _first_levels(L, n0):
    """Nodes and weights of levels 0 .. _FIRST_LEVELS - 1 concatenated, with the level offsets."""
    key = (L, n0, "first")
    if key not in _NODE_CACHE:
        parts = [_trapezoid_level(L, n0, k) for k in range(_FIRST_LEVELS)]
        offsets = np.cumsum([0] + [p[0].size for p in parts])
        xi, w = np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
        xi.flags.writeable = w.flags.writeable = False  # shared between calls
        _NODE_CACHE[key] = (xi, w, offsets)
    return _NODE_CACHE[key]


def _nested_trapezoid(integrand, L, tol, max_nodes, batch_ndim, n0=32):
    """Trapezoid rule with node doubling until the change between levels is below tol * E|f|.

    Notes
    -----
    T_0 = h_0 sum_j w(xi_j) f(xi_j) on n0 + 1 equispaced nodes, T_{k+1} = T_k / 2 + h_{k+1} sum over
    the midpoints of level k; stops at the first level k >= 2 with |T_k - T_{k-1}| <= tol * M_k
    (M_k the same rule applied to |f|). Levels 0-2 are evaluated in one integrand call (their
    nodes are always needed); nodes and weights are cached per (L, n0, level).
    """
    xi, w, offsets = _first_levels(L, n0)
    allvals = integrand(xi) * _expand(w, batch_ndim)
    h = 2 * L / n0
    vals = allvals[offsets[0]:offsets[1]]
    total = h * vals.sum(axis=0)
    mass = h * np.abs(vals).sum(axis=0)
    n = n0
    level = 0
    while True:
        if level + 1 < _FIRST_LEVELS:
            vals = allvals[offsets[level + 1]:offsets[level + 2]]
        else:
            mid, w = _trapezoid_level(L, n0, level + 1)
            vals = integrand(mid) * _expand(w, batch_ndim)
        new_total = 0.5 * total + 0.5 * h * vals.sum(axis=0)
        mass = 0.5 * mass + 0.5 * h * np.abs(vals).sum(axis=0)
        err = np.abs(new_total - total)
        total, h, n, level = new_total, 0.5 * h, 2 * n, level + 1
        if level >= 2 and (err <= tol * np.maximum(mass, 1e-300)).all():
            return total, err
        if 2 * n + 1 > max_nodes:
            raise ConvergenceError(
                f"Gaussian average not converged to tol={tol:g} with {n + 1} trapezoid nodes "
                f"(error estimate {np.max(err):.3g})", residuals=[float(np.max(err))])


def columnwise_average(f, variance, columns, *, tol=DEFAULT_TOL, max_nodes=2**22):
    """E f(x, **{k: columns[k][i]}) for x ~ N(0, variance), for every i, each to its own node count.

    Parameters
    ----------
    f : callable
        Called as ``f(x, **cols)`` with nodes ``x`` of shape (n, 1) and 1-D keyword arrays of the
        still unconverged columns (shape (k,)); must broadcast to (n, k).
    variance : float
        Variance of x (scalar, >= 0).
    columns : dict of array_like
        Keyword arrays broadcast together and flattened; one average per element.
    tol : float
        Requested accuracy relative to E|f| per column (1e-15 <= tol < 1).

    Returns
    -------
    array of the broadcast shape of ``columns``

    Notes
    -----
    E f_i = int f(sqrt(variance) xi; c_i) exp(-xi^2/2) / sqrt(2 pi) dxi over |xi| <= L(tol), by
    the nested trapezoid rule of :func:`gaussian_average` with its stopping rule applied to each
    column on its own (the first level k >= 2 with |T_k - T_{k-1}| <= tol M_k), so a column's
    value is, up to rounding, what :func:`gaussian_average` returns for that column alone; finer
    levels evaluate f only at the columns not yet converged (near-singular columns do not refine
    the others), in blocks of at most ``_BLOCK_VALUES`` values.
    """
    _check_tol(tol)
    variance = _check_variance("variance", variance)
    if variance.ndim:
        raise ValueError("columnwise_average needs a scalar variance")
    sd = math.sqrt(float(variance))
    arrays = np.broadcast_arrays(*[np.asarray(v, dtype=float) for v in columns.values()])
    shape = arrays[0].shape if arrays else ()
    cols = dict(zip(columns, (a.reshape(-1) for a in arrays)))
    L = half_width(tol)
    n0 = 32
    xi, w, offsets = _first_levels(L, n0)
    allvals = np.asarray(f(sd * xi[:, None], **cols), dtype=float)
    size = allvals.shape[1]
    result = np.empty(size)
    active = np.arange(size)
    h = 2 * L / n0

    def level_sums(level):  # (sum_j w_j f_j, sum_j w_j |f_j|) over the nodes of one level
        if level < _FIRST_LEVELS:
            sl = slice(offsets[level], offsets[level + 1])
            vals, wl = allvals[sl], w[sl]
            return wl @ vals, wl @ np.abs(vals)
        mid, wl = _trapezoid_level(L, n0, level)
        s, m = np.zeros(active.size), np.zeros(active.size)
        act_cols = {k: v[active] for k, v in cols.items()}
        step = max(1, _BLOCK_VALUES // max(active.size, 1))  # bounded memory per integrand call
        for i in range(0, mid.size, step):
            vals = np.asarray(f(sd * mid[i:i + step, None], **act_cols), dtype=float)
            s, m = s + wl[i:i + step] @ vals, m + wl[i:i + step] @ np.abs(vals)
        return s, m

    total, mass = level_sums(0)
    total, mass = h * total, h * mass
    n, level = n0, 0
    while True:
        s, m = level_sums(level + 1)
        new_total = 0.5 * total + 0.5 * h * s
        mass = 0.5 * mass + 0.5 * h * m
        err = np.abs(new_total - total)
        total, h, n, level = new_total, 0.5 * h, 2 * n, level + 1
        if level >= 2:
            done = err <= tol * np.maximum(mass, 1e-300)
            result[active[done]] = total[done]
            keep = ~done
            active, total, mass, err, allvals = active[keep], total[keep], mass[keep], err[keep], allvals[:, keep]
            if active.size == 0:
                return result.reshape(shape)
        if 2 * n + 1 > max_nodes:
            raise ConvergenceError(
                f"Gaussian average not converged to tol={tol:g} with {n + 1} trapezoid nodes "
                f"(error estimate {np.max(err):.3g})", residuals=[float(np.max(err))])


def _piecewise_legendre(integrand, sd, mean, breakpoints, L, tol, max_nodes, batch_ndim):
    sd_f = float(np.max(sd)) if np.size(sd) else 0.0
    if np.ndim(sd) or np.ndim(mean):
        raise ValueError("breakpoints need a scalar variance and mean")
    if sd_f == 0:
        return np.asarray(integrand(np.zeros(1))[0]), 0.0
    cuts = sorted({float((b - float(mean)) / sd_f) for b in breakpoints if abs((b - float(mean)) / sd_f) < L})
    edges = [-L] + cuts + [L]
    order, previous = 16, None
    while True:
        total = 0.0
        mass = 0.0
        x, w = np.polynomial.legendre.leggauss(order)
        for a, b in zip(edges[:-1], edges[1:]):
            xi = 0.5 * (b - a) * x + 0.5 * (b + a)
            ww = 0.5 * (b - a) * w * _pdf(xi)
            vals = integrand(xi) * _expand(ww, batch_ndim)
            total = total + vals.sum(axis=0)
            mass = mass + np.abs(vals).sum(axis=0)
        if previous is not None:
            err = np.abs(total - previous)
            if np.all(err <= tol * np.maximum(mass, 1e-300)):
                return total, err
        if 2 * order * (len(edges) - 1) > max_nodes:
            raise ConvergenceError(f"piecewise Gauss-Legendre not converged to tol={tol:g}")
        previous, order = total, 2 * order


def independent_average(f, variances, batch_ndim=0, *, tol=DEFAULT_TOL, max_nodes=2**22):
    """E f(x_1, ..., x_m) for independent x_i ~ N(0, variances[i]) (tensor-product trapezoid).

    This is the ``average`` callable expected by the generated ``*_field_variances`` and
    ``spectral_curve`` functions (theory._generated).

    Notes
    -----
    E f = int prod_i Dxi_i f(sqrt(v_1) xi_1, ..., sqrt(v_m) xi_m); the grid is doubled in every
    direction until the change is below tol * E|f|.
    """
    variances = [_check_variance("variance", v) for v in variances]
    m = len(variances)
    if m == 1:
        return gaussian_average(f, variances[0], tol=tol, batch_ndim=batch_ndim, max_nodes=max_nodes)
    _check_tol(tol)
    L = half_width(tol)
    n, previous = 32, None
    while True:
        xi = np.linspace(-L, L, n + 1)
        w = _pdf(xi) * (2 * L / n)
        shape_of = [[n + 1 if j == i else 1 for j in range(m)] + [1] * batch_ndim for i in range(m)]
        xs = [np.sqrt(v) * xi.reshape(s) for v, s in zip(variances, shape_of)]
        weight = np.ones([1] * (m + batch_ndim))
        for i in range(m):
            weight = weight * w.reshape(shape_of[i])
        vals = np.asarray(f(*xs), dtype=float) * weight
        axes = tuple(range(m))
        total = vals.sum(axis=axes)
        mass = np.abs(vals).sum(axis=axes)
        if previous is not None:
            err = np.abs(total - previous)
            if np.all(err <= tol * np.maximum(mass, 1e-300)):
                return total
        if (2 * n + 1) ** m > max_nodes:
            raise ConvergenceError(f"{m}-dimensional Gaussian average not converged to tol={tol:g}")
        previous, n = total, 2 * n


def gaussian_two_point(f, g, var1, var2, cov, mean1=0.0, mean2=0.0, *, tol=DEFAULT_TOL, max_nodes=2**20,
                       chunk=512):
    """E f(x1) g(x2) for jointly Gaussian (x1, x2) with variances var1, var2 and covariance cov.

    Notes
    -----
    x1 = m1 + sqrt(v1) xi1,  x2 = m2 + (c / sqrt(v1)) xi1 + sqrt(v2 - c^2 / v1) xi2, so
    E f g = int Dxi1 f(x1) G(xi1) with G(xi1) = int Dxi2 g(x2). Both integrals are nested
    trapezoid rules with their own node counts (the inner one per block of outer nodes). The
    conditional standard deviation is formed as sqrt(v2 (1 - rho)(1 + rho)) and may vanish
    (rho = 1, then G = g). Scalars only.
    """
    _check_tol(tol)
    v1, v2 = float(_check_variance("var1", var1)), float(_check_variance("var2", var2))
    c = float(cov)
    if v1 == 0:
        return float(np.asarray(f(np.asarray(mean1, float)))) * gaussian_average(g, v2, mean2, tol=tol)
    rho = c / math.sqrt(v1 * v2) if v2 > 0 else 0.0
    if abs(rho) > 1 + 1e-12:
        raise ValueError(f"covariance {c!r} impossible for variances {v1!r}, {v2!r} (|rho| > 1)")
    rho = max(-1.0, min(1.0, rho))
    a = c / math.sqrt(v1)
    s2 = v2 * max(0.0, (1 - rho) * (1 + rho))

    def inner(xi):
        centre = mean2 + a * xi
        if s2 == 0:
            return np.asarray(g(centre), dtype=float)
        parts = [gaussian_average(g, s2, centre[i:i + chunk], tol=tol, batch_ndim=1, max_nodes=max_nodes)
                 for i in range(0, xi.size, chunk)]
        return np.concatenate(parts)

    def integrand(xi):
        return np.asarray(f(mean1 + math.sqrt(v1) * xi), dtype=float) * inner(xi)

    value, _ = _nested_trapezoid(integrand, half_width(tol), tol, max_nodes, 0)
    return float(value)
