"""Static (fixed-point) mean-field theory: every branch of the self-consistent variance.

Notes
-----
At a fixed point of a large network the recurrent fields are static Gaussians
eta_k ~ N(0, D_k), independent across channels, and (THEORY.md section 2)

    D_h = <phi^2>_{D_h} <sigma_r^2>_{q},   D_z = D_r = q = <phi^2>_{D_h}

(h* = eta_h + I_h, so Delta_h = Var(h*) = D_h; additive model: D_h = <phi^2>_{D_h}). The
equations are not retyped here: one application of the map D -> <s_k(x*)^2> and its Price's
theorem Jacobian come from the generated code (``theory._generated``,
``static_field_variances`` and ``static_map_jacobian``). Because D_z = D_r = q(D_h), the
problem is one-dimensional,

    G(D) = D - m(D),   m(D) = map_h(D, q(D), q(D)),   G'(D) = 1 - (J_hh + J_hz J_zh + J_hr J_rh),

with all roots in [0, 1) (phi^2 <= 1, sigma_r^2 <= 1). When D = 0 solves it (m(0) = 0, e.g.
beta_h = 0 and I_h = 0) the trivial root is divided out: H(D) = G(D) / D, H(0+) = 1 - m'(0).

Algorithm: scan the root function f (G, or H when D = 0 is a fixed point) on a grid in D
(geometric near 0, linear near 1) at a loose quadrature tolerance; where the discrete slope of f
changes sign there is a critical point, which is refined as a root of f' (Price Jacobian) when the
grid alone cannot tell whether a pair of roots hides next to it; the critical points are added as
knots, so f is monotone between consecutive knots and every root is bracketed. Brackets are
narrowed by a vectorised Illinois (regula falsi) iteration and polished by Newton with the Price
Jacobian at the final quadrature tolerance. Everything is vectorised over arrays of parameters
(grids of g_h, alpha_r, ...), so phase-diagram grids solve in a few large array operations.
Limitation: two critical points within one grid interval (closer than the grid spacing, i.e. a
cusp of the branch diagram) are not resolved.

Linear stability of a branch (large N): the bulk of the Jacobian spectrum at the fixed points of
a branch is the region F(lambda) >= 1 (THEORY.md section 3). Every factor of F has the form
1 / |lambda + a|^2 with a > 0 (a = sigma_z > 0, a = 1/tau_r), and |lambda + a| >= a on the
closed right half-plane, so F(lambda) <= F(0) there: the bulk reaches Re lambda >= 0 iff
F(0) >= 1. F(0) = F_hr(0) = <phi'^2> (<sigma_r^2> + <phi^2> <sigma_r'^2>) does not depend on z.
A branch is ``stable`` iff F(0) < 1, evaluated with the generated ``spectral_curve`` at
lambda = 0. The other eigenvalues (-1/tau_z, N times) are stable; no outliers are predicted for
zero-mean couplings. This is the N -> infinity statement; finite networks have O(N^-1/2) edge
fluctuations.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from ._generated import kwargs_for, load
from .errors import ConvergenceError
from .gaussian import independent_average
from .params import ModelParams

#: Quadrature tolerance of the final (polished) solution.
DEFAULT_TOL = 1e-12
#: Quadrature tolerance of the scan and bracketing stage.
SCAN_TOL = 1e-6
#: Relative width to which critical points of the root function are located (the critical
#: value is then off by O(width^2), far below the quadrature tolerance).
CRIT_XREL = 1e-5
#: Relative bracket width before the Newton polish.
BRACKET_XREL = 1e-4
#: Upper end of the scan: every root satisfies D_h = <phi^2><sigma_r^2> < 1.
D_MAX = 1.0
#: Smallest D of the scan; H is continued to D = 0 by its limit H(0+).
D_MIN = 1e-8


def default_grid(n: int = 64) -> np.ndarray:
    """Scan grid in D_h: geometric on [D_MIN, 0.05], linear on [0.05, 1]."""
    if not isinstance(n, (int, np.integer)) or n < 8:
        raise ValueError(f"n_scan must be an integer >= 8, got {n!r}")
    n_log = n // 3
    return np.unique(np.concatenate([np.geomspace(D_MIN, 0.05, n_log),
                                     np.linspace(0.05, D_MAX, n - n_log + 1)]))


@dataclass
class Branch:
    """One fixed-point branch of the static mean-field equations.

    Attributes
    ----------
    delta_h : float
        D_h = Var(h*) across units (the network's mean h*^2 is delta_h + I_h^2).
    q : float
        <phi(h*)^2> = D_z = D_r (additive model: equal to delta_h).
    stable : bool
        Linear stability at N -> infinity: F_hr(0) < 1 (module Notes).
    variances : dict
        The field variances {D_h, D_z, D_r} (additive: {D_h}).
    F_hr0 : float
        F(0) = F_hr(0), the stability margin (stable iff < 1).
    residual : float
        |D_h - map_h(D_h)| at the returned value.
    kind : str
        ``"zero"`` (D_h = 0, exact) or ``"nonzero"``.
    slope : float
        G'(D_h) = 1 - dm/dD_h; it vanishes at a saddle-node.
    """

    delta_h: float
    q: float
    stable: bool
    variances: dict
    F_hr0: float
    residual: float
    kind: str
    slope: float

    def as_dict(self) -> dict:
        return {"delta_h": self.delta_h, "q": self.q, "stable": self.stable,
                "variances": dict(self.variances), "F_hr0": self.F_hr0, "residual": self.residual,
                "kind": self.kind}


@dataclass
class StaticSolution:
    """All fixed-point branches at one parameter point, sorted by delta_h.

    ``tolerance`` is the largest residual |D_h - map_h(D_h)| reached over the branches and
    ``quadrature_tol`` the relative tolerance of the Gaussian averages.
    """

    params: ModelParams
    branches: list[Branch]
    tolerance: float
    quadrature_tol: float
    zero_is_fixed_point: bool = field(default=False)

    @property
    def nonzero(self) -> list[Branch]:
        return [b for b in self.branches if b.kind == "nonzero"]


@dataclass
class StaticGrid:
    """Branches over a grid of parameters (arrays of shape ``shape + (max_branches,)``).

    Nonzero branches only, sorted by delta_h and NaN-padded; ``n_branches`` counts them and
    ``zero`` marks the points where D_h = 0 is a fixed point.
    """

    shape: tuple
    delta_h: np.ndarray
    q: np.ndarray
    stable: np.ndarray
    F_hr0: np.ndarray
    n_branches: np.ndarray
    zero: np.ndarray
    tolerance: float
    residual: np.ndarray
    slope: np.ndarray


# ---- the reduced one-dimensional problem ------------------------------------------------------
def _check_params(params: ModelParams) -> None:
    if not isinstance(params, ModelParams):
        raise ValueError(f"params must be a ModelParams, got {type(params).__name__}")
    for name in ("I_h", "I_z", "I_r"):
        value = getattr(params, name)
        if callable(value) or np.ndim(value) > 0:
            raise ValueError(f"{name} must be a constant scalar for the static mean-field theory "
                             f"(got {'a function of time' if callable(value) else 'a per-unit array'})")


class _Reduced:
    """G(D) and G'(D) of the reduced problem through the generated code, for batched parameters."""

    def __init__(self, params: ModelParams, overrides: dict | None = None):
        _check_params(params)
        self.model = params.model
        self.gen = load(params.model)
        self.gated = len(self.gen.VARIANCES) == 3
        over = {k: np.asarray(v, dtype=float) for k, v in (overrides or {}).items()}
        for name, value in over.items():
            if not hasattr(params, name):
                raise ValueError(f"unknown parameter {name!r} in the grid")
            if not np.all(np.isfinite(value)):
                raise ValueError(f"{name} must be finite")
        self.shape = np.broadcast_shapes(*[v.shape for v in over.values()]) if over else ()
        self.kw_map = kwargs_for(self.gen.static_field_variances, params, **{
            k: v for k, v in over.items() if k in self.gen.static_field_variances.parameters})
        self.kw_spec = kwargs_for(self.gen.spectral_curve, params, **{
            k: v for k, v in over.items() if k in self.gen.spectral_curve.parameters})

    # parameters gathered at flat batch indices (for lists of brackets / roots)
    def gather(self, idx: np.ndarray) -> "_Reduced":
        out = object.__new__(_Reduced)
        out.__dict__.update(self.__dict__)
        out.kw_map = {k: self._take(v, idx) for k, v in self.kw_map.items()}
        out.kw_spec = {k: self._take(v, idx) for k, v in self.kw_spec.items()}
        out.shape = (idx.size,)
        return out

    def _take(self, v, idx):
        if np.ndim(v) == 0:
            return v
        return np.broadcast_to(v, self.shape).reshape(-1)[idx]

    def variances(self, D, tol, avg=None):
        """(q, m): q = <phi^2>_D and m = map_h(D, q, q)."""
        avg = avg or _memo_average(tol)
        if not self.gated:
            m = np.asarray(self.gen.static_field_variances(D, average=avg, **self.kw_map))
            return m, m
        zero = np.zeros(np.shape(D))  # q = <phi^2>_D does not depend on D_z, D_r
        q = self.gen.static_field_variances(D, zero, zero, average=avg, **self.kw_map)[1]
        m = self.gen.static_field_variances(D, q, q, average=avg, **self.kw_map)[0]
        return q, m

    def values(self, D, tol, derivative=True):
        """G = D - m, G' = 1 - dm/dD (chain rule through D_z = D_r = q(D)), q, m."""
        avg = _memo_average(tol)  # the map and its Jacobian share averages (A_0, A_1)
        q, m = self.variances(D, tol, avg)
        g = D - m
        if not derivative:
            return g, None, q, m
        if not self.gated:
            dm = np.asarray(self.gen.static_map_jacobian(D, average=avg, **self.kw_map))
        else:
            j = self.gen.static_map_jacobian(D, q, q, average=avg, **self.kw_map)
            # rows (h, z, r), columns (h, z, r); D_z = M_z(D_h), D_r = M_r(D_h)
            dm = j[0] + j[1] * j[3] + j[2] * j[6]
        return g, 1.0 - dm, q, m

    def F_hr0(self, D, q):
        """F(0) = F_hr(0) at the fixed point with variances (D, q, q): the stability margin."""
        avg = functools.partial(independent_average, tol=DEFAULT_TOL)
        if not self.gated:
            return np.asarray(self.gen.spectral_curve(D, 0.0, 0.0, average=avg, **self.kw_spec)[0])
        return np.asarray(self.gen.spectral_curve(D, q, q, 0.0, 0.0, average=avg, **self.kw_spec)[0])

    def zero_fixed_point(self):
        """Boolean (batch shape): D = 0 solves the static equation exactly (m(0) = 0)."""
        zero = np.zeros(self.shape)
        _, m = self.variances(zero, DEFAULT_TOL)
        return np.broadcast_to(np.asarray(m) == 0.0, self.shape)


def _memo_average(tol):
    """``independent_average`` at ``tol`` that reuses results for the same integrand, parameter
    objects and variances (the generated map and Jacobian evaluate A_0, A_1 more than once).

    Notes
    -----
    Where every variance is exactly 0 the average is the point value E f = f(0) (no quadrature);
    this covers the D_r = 0 average in the q = <phi^2>_D pass of :meth:`_Reduced.variances`
    and the D = 0 evaluations.
    """
    cache = {}

    def average(f, variances, batch_ndim):
        key = (getattr(f, "func", f), tuple((k, id(v)) for k, v in sorted(getattr(f, "keywords", {}).items())),
               tuple((np.shape(v), np.asarray(v, dtype=float).tobytes()) for v in variances), batch_ndim)
        if key not in cache:
            if all(not np.any(v) for v in variances):
                at_zero = [np.zeros((1,) + (1,) * batch_ndim) + np.zeros(np.shape(v)) for v in variances]
                cache[key] = np.asarray(f(*at_zero), dtype=float)[0]
            else:
                cache[key] = independent_average(f, variances, batch_ndim, tol=tol)
        return cache[key]

    return average


def _root_function(red, D, zero, tol, derivative=True):
    """f = G/D where D = 0 is a fixed point (divides out the trivial root), else G; and f'."""
    g, dg, q, m = red.values(D, tol, derivative)
    with np.errstate(divide="ignore", invalid="ignore"):
        safe = np.where(D > 0, D, 1.0)
        f = np.where(zero, g / safe, g)
        df = None if dg is None else np.where(zero, (dg * safe - g) / safe**2, dg)
    return f, df


def _illinois(func, a, b, fa, fb, xrel, max_iter=200):
    """Vectorised Illinois regula falsi on brackets [a, b] with fa * fb <= 0."""
    a, b, fa, fb = (np.array(x, dtype=float) for x in (a, b, fa, fb))
    side = np.zeros(a.shape, dtype=int)
    history = []
    for _ in range(max_iter):
        done = (np.abs(b - a) <= xrel * np.maximum(np.abs(a), np.abs(b))) | (fa == 0) | (fb == 0)
        history.append(float(np.max(np.abs(b - a), initial=0.0)))
        if np.all(done):
            break
        denom = fb - fa
        c = np.where(denom != 0, (a * fb - b * fa) / np.where(denom != 0, denom, 1.0), 0.5 * (a + b))
        c = np.where((c <= np.minimum(a, b)) | (c >= np.maximum(a, b)), 0.5 * (a + b), c)
        c = np.where(done, a, c)
        fc = func(c)
        fc = np.where(done, fa, fc)
        same_b = np.sign(fc) == np.sign(fb)
        # replace b by c where fc has the sign of fb, else a by c (Illinois halving on repeats)
        fa = np.where(~done & same_b & (side == 1), 0.5 * fa, fa)
        fb = np.where(~done & ~same_b & (side == -1), 0.5 * fb, fb)
        b_new = np.where(~done & same_b, c, b)
        fb_new = np.where(~done & same_b, fc, fb)
        a_new = np.where(~done & ~same_b, c, a)
        fa_new = np.where(~done & ~same_b, fc, fa)
        side = np.where(done, side, np.where(same_b, 1, -1))
        a, b, fa, fb = a_new, b_new, fa_new, fb_new
    else:
        raise ConvergenceError("bracketing iteration did not converge", history)
    pick_a = np.abs(fa) <= np.abs(fb)
    return np.where(pick_a, a, b)


def _signs_differ(x, y):
    return (np.sign(x) * np.sign(y)) <= 0


def _scan(red, zero, grid, tol, refine_all=False):
    """Brackets of the nonzero roots of every batch point (1-D batch of P points).

    Returns (flat index, lo, hi, f(lo), f(hi)) of every bracket and the critical points
    (index, D_c, f(D_c)). Critical points are located where the discrete slope of f on the
    grid changes sign, then refined as roots of f' (Price Jacobian) on the two grid intervals
    around it; they are inserted as extra knots, so f is monotone between consecutive knots.
    """
    (P,) = red.shape
    D = grid[:, None]
    f = np.broadcast_to(_root_function(red, D, zero, tol, derivative=False)[0], (grid.size, P))
    # left end D = 0: H(0+) = G'(0) where zero is a fixed point, else G(0) = -m(0)
    g0, dg0, _, _ = red.values(np.zeros(P), tol)
    f_left = np.where(zero, dg0, g0)
    slope = np.sign(np.diff(f, axis=0))
    i, p = np.nonzero((slope[:-1] * slope[1:]) < 0)
    i = i + 1  # discrete extremum at grid point i: a critical point in (grid[i-1], grid[i+1])
    crit_d, crit_f = grid[i].astype(float), f[i, p].astype(float)
    # refine only where the grid cannot already decide: f at the discrete extremum has the sign
    # of both neighbours (otherwise the grid point itself splits the roots)
    need = np.ones(i.size, dtype=bool) if refine_all else \
        (np.sign(f[i, p]) == np.sign(f[i - 1, p])) & (np.sign(f[i, p]) == np.sign(f[i + 1, p]))
    if np.any(need):
        k = np.nonzero(need)[0]
        sub = red.gather(p[k])
        zsub = zero[p[k]]
        lo, hi = grid[i[k] - 1], grid[i[k] + 1]
        dlo = _root_function(sub, lo, zsub, tol)[1]
        dhi = _root_function(sub, hi, zsub, tol)[1]
        ok = np.nonzero(_signs_differ(dlo, dhi))[0]
        if ok.size:
            sub2, z2 = sub.gather(ok), zsub[ok]
            d_ok = _illinois(lambda x: _root_function(sub2, x, z2, tol)[1], lo[ok], hi[ok],
                             dlo[ok], dhi[ok], CRIT_XREL)
            crit_d[k[ok]] = d_ok
            crit_f[k[ok]] = _root_function(sub2, d_ok, z2, tol, derivative=False)[0]
    # knots: 0, the grid, and the critical points (padded with the last grid point)
    n_crit = np.bincount(p, minlength=P)
    c_max = int(n_crit.max(initial=0))
    kd = np.empty((1 + grid.size + c_max, P))
    kf = np.empty_like(kd)
    kd[0], kf[0] = 0.0, f_left
    kd[1:grid.size + 1], kf[1:grid.size + 1] = D, f
    kd[grid.size + 1:], kf[grid.size + 1:] = grid[-1], f[-1]
    if i.size:
        order = np.argsort(p, kind="stable")
        rank = np.arange(p.size) - np.searchsorted(p[order], p[order])
        row = np.empty_like(rank)
        row[order] = rank
        kd[grid.size + 1 + row, p] = crit_d
        kf[grid.size + 1 + row, p] = crit_f
    order = np.argsort(kd, axis=0, kind="stable")
    kd = np.take_along_axis(kd, order, axis=0)
    kf = np.take_along_axis(kf, order, axis=0)
    j, q = np.nonzero(_signs_differ(kf[:-1], kf[1:]) & (kf[1:] != 0) & (kd[1:] > kd[:-1]))
    return q, kd[j, q], kd[j + 1, q], kf[j, q], kf[j + 1, q], (p, crit_d, crit_f)


def _polish(red, zero_sub, lo, hi, flo, fhi, tol, scan_tol, newton_iter=8):
    """Roots in the brackets: Illinois at the scan tolerance, then Newton on G at ``tol``."""

    def func(x):
        return _root_function(red, x, zero_sub, scan_tol, derivative=False)[0]

    d = _illinois(func, lo, hi, flo, fhi, BRACKET_XREL)
    # the bracket came from the loose scan tolerance: allow the polished root a little outside
    a, b = np.minimum(lo, hi) * (1 - 1e-5), np.maximum(lo, hi) * (1 + 1e-5)
    history = []
    for _ in range(newton_iter):
        g, dg, q, m = red.values(d, tol)
        history.append(float(np.max(np.abs(g), initial=0.0)))
        step = np.where(dg != 0, g / np.where(dg != 0, dg, 1.0), 0.0)
        new = np.clip(d - step, a, b)
        moved = np.abs(new - d)
        d = new
        if np.all(moved <= 4e-16 * np.maximum(d, 1e-300) + 1e-300) or history[-1] == 0.0:
            break
    g, dg, q, m = red.values(d, tol)
    res = np.abs(g)
    history.append(float(np.max(res, initial=0.0)))
    bad = res > 1e3 * tol * np.maximum(d, 1e-300) + 1e-15
    if np.any(bad):
        raise ConvergenceError(
            f"static mean-field root not converged: residual {np.max(res[bad]):.3g} "
            f"at D_h = {d[bad][0]:.6g}", history)
    return d, q, res, dg


# ---- public solvers --------------------------------------------------------------------------
def solve_static(params: ModelParams, *, tol: float = DEFAULT_TOL, scan_tol: float = SCAN_TOL,
                 n_scan: int = 64) -> StaticSolution:
    """All fixed-point branches of the static mean-field equations at one parameter point.

    Parameters
    ----------
    params : ModelParams
        Gated or additive model with constant scalar inputs.
    tol : float
        Relative tolerance of the Gaussian averages of the final solution (1e-15 <= tol < 1).
    scan_tol : float
        Quadrature tolerance of the scan and bracketing stage.
    n_scan : int
        Number of scan points in D_h.

    Returns
    -------
    StaticSolution
        Branches (zero branch first when D_h = 0 is a fixed point), each with delta_h = D_h,
        q = <phi^2>, variances, stability and residual.

    Raises
    ------
    ValueError
        Bad parameters (time-dependent or per-unit inputs).
    ConvergenceError
        A root does not converge (carries the residual history).

    Notes
    -----
    Solves D_h = <phi^2>_{D_h} <sigma_r^2>_{q(D_h)}, q = <phi^2>_{D_h} (additive:
    D_h = <phi^2>_{D_h}) through the generated map; stability from F_hr(0) < 1 (module Notes).
    """
    grid = solve_static_grid(params, tol=tol, scan_tol=scan_tol, n_scan=n_scan)
    red = _Reduced(params)
    branches = []
    zero = bool(grid.zero)
    if zero:
        z = np.zeros(())
        F_hr0 = float(red.F_hr0(z, z))
        var = {"D_h": 0.0, "D_z": 0.0, "D_r": 0.0} if red.gated else {"D_h": 0.0}
        g, dg, _, _ = red.values(z, tol)
        branches.append(Branch(0.0, 0.0, F_hr0 < 1.0, var, F_hr0, 0.0, "zero", float(dg)))
    for k in range(int(grid.n_branches)):
        d, q = float(grid.delta_h[k]), float(grid.q[k])
        var = {"D_h": d, "D_z": q, "D_r": q} if red.gated else {"D_h": d}
        branches.append(Branch(d, q, bool(grid.stable[k]), var, float(grid.F_hr0[k]),
                               float(grid.residual[k]), "nonzero", float(grid.slope[k])))
    return StaticSolution(params, branches, float(max([b.residual for b in branches], default=0.0)),
                          tol, zero)


def solve_static_grid(params: ModelParams, *, tol: float = DEFAULT_TOL, scan_tol: float = SCAN_TOL,
                      n_scan: int = 64, chunk: int = 512, **grid_params) -> StaticGrid:
    """Nonzero branches over a grid of parameters, in a few vectorised passes.

    Parameters
    ----------
    params : ModelParams
        Base parameters; the keyword arrays override some of them.
    chunk : int
        Parameter points solved together (bounds the memory of the quadrature arrays).
    **grid_params : array_like
        Parameter arrays (e.g. ``g_h=g[:, None], alpha_r=a[None, :]``) broadcast together.

    Returns
    -------
    StaticGrid
        Nonzero branches, arrays of shape ``shape + (max_branches,)`` (NaN-padded).

    Notes
    -----
    Same equations and algorithm as :func:`solve_static`; brackets of all grid points are
    refined together.
    """
    red = _Reduced(params, grid_params)
    for name, value in grid_params.items():  # validate the ranges as ModelParams would
        arr = np.asarray(value, dtype=float)
        for x in (arr.min(), arr.max()) if arr.size else ():
            params.replace(**{name: float(x)})
    if not (isinstance(chunk, (int, np.integer)) and chunk >= 1):
        raise ValueError(f"chunk must be an integer >= 1, got {chunk!r}")
    shape = red.shape
    P = int(np.prod(shape, dtype=int))
    flat = red.gather(np.arange(P))
    grid = default_grid(n_scan)
    parts = [_solve_flat(flat.gather(np.arange(s0, min(P, s0 + chunk))), grid, tol, scan_tol)
             for s0 in range(0, P, chunk)]
    idx = np.concatenate([pt[0] + s0 for pt, s0 in zip(parts, range(0, P, chunk))])
    d, q, res, slope, F_hr0 = (np.concatenate([pt[k] for pt in parts]) for k in range(1, 6))
    zero = np.concatenate([pt[6] for pt in parts]).reshape(shape)
    counts = np.bincount(idx, minlength=P)
    kmax = max(int(counts.max(initial=0)), 1)
    out = {k: np.full((P, kmax), np.nan) for k in ("d", "q", "F_hr0", "res", "slope")}
    order = np.lexsort((d, idx))
    rank = np.zeros(idx.size, dtype=int)
    if idx.size:
        sorted_idx = idx[order]
        rank[order] = np.arange(idx.size) - np.searchsorted(sorted_idx, sorted_idx, side="left")
    for key, val in zip(("d", "q", "F_hr0", "res", "slope"), (d, q, F_hr0, res, slope)):
        out[key][idx, rank] = val
    return StaticGrid(
        shape, out["d"].reshape(shape + (kmax,)), out["q"].reshape(shape + (kmax,)),
        (out["F_hr0"] < 1.0).reshape(shape + (kmax,)), out["F_hr0"].reshape(shape + (kmax,)),
        counts.reshape(shape), zero, float(np.max(res, initial=0.0)),
        out["res"].reshape(shape + (kmax,)), out["slope"].reshape(shape + (kmax,)))


def _solve_flat(red, grid, tol, scan_tol):
    """Roots for a 1-D batch: (index, D, q, residual, G', F(0), zero mask)."""
    zero = np.asarray(red.zero_fixed_point())
    idx, lo, hi, flo, fhi, _ = _scan(red, zero, grid, scan_tol)
    if idx.size:
        sub = red.gather(idx)
        d, q, res, slope = _polish(sub, zero[idx], lo, hi, flo, fhi, tol, scan_tol)
        # adjacent brackets sharing an end may polish to the same root: keep one
        order = np.lexsort((d, idx))
        dup = np.zeros(idx.size, dtype=bool)
        dup[order[1:]] = (idx[order[1:]] == idx[order[:-1]]) & \
            (np.abs(d[order[1:]] - d[order[:-1]]) <= 1e-9 * d[order[1:]])
        keep = ~dup
        idx, d, q, res, slope, sub = idx[keep], d[keep], q[keep], res[keep], slope[keep], \
            sub.gather(np.nonzero(keep)[0])
        F_hr0 = sub.F_hr0(d, q)
    else:
        d = q = res = slope = F_hr0 = np.empty(0)
    return idx, d, q, res, slope, np.asarray(F_hr0, dtype=float), zero


def static_map(params: ModelParams, delta_h, *, tol: float = DEFAULT_TOL):
    """One application of the reduced map: (map_h(D_h), q(D_h)) for D_h = ``delta_h``.

    Notes
    -----
    map_h = <phi^2>_{D_h} <sigma_r^2>_{q}, q = <phi^2>_{D_h} (generated static map).
    """
    d = np.asarray(delta_h, dtype=float)
    if not np.all(np.isfinite(d)) or np.any(d < 0):
        raise ValueError(f"delta_h must be finite and >= 0, got {delta_h!r}")
    q, m = _Reduced(params).variances(d, tol)
    return m, q


def critical_values(params: ModelParams, *, tol: float = DEFAULT_TOL, n_scan: int = 64):
    """Local extrema (D_c, f(D_c)) of the root function: f = G/D if D = 0 is a fixed point, else G.

    A saddle-node of the nonzero branches happens where one of these values crosses zero as a
    parameter moves. Also returns f(0+) (H(0+) = 1 - m'(0), or G(0) = -m(0)).
    """
    red = _Reduced(params).gather(np.arange(1))
    zero = np.asarray(red.zero_fixed_point())
    _, _, _, _, _, (p, crit_d, crit_f) = _scan(red, zero, default_grid(n_scan), tol, True)
    g0, dg0, _, _ = red.values(np.zeros(1), tol)
    left = float(dg0[0]) if bool(zero[0]) else float(g0[0])
    return np.asarray(crit_d, dtype=float), np.asarray(crit_f, dtype=float), left


@dataclass
class SaddleNode:
    """A saddle-node of the static equations: two nonzero branches meet at g_h."""

    g_h: float
    delta_h: float
    bracket: tuple


def count_nonzero_branches(params: ModelParams, *, tol: float = DEFAULT_TOL, n_scan: int = 64) -> int:
    """Number of nonzero fixed-point branches (roots of f on (0, 1)), from the scan alone."""
    red = _Reduced(params).gather(np.arange(1))
    zero = np.asarray(red.zero_fixed_point())
    idx = _scan(red, zero, default_grid(n_scan), tol)[0]
    return int(idx.size)


def saddle_nodes(params: ModelParams, g_min: float, g_max: float, *, n_grid: int = 41,
                 xtol: float = 1e-9, tol: float = DEFAULT_TOL) -> list[SaddleNode]:
    """Saddle-node points in g_h in [g_min, g_max] (the other parameters fixed).

    The number of nonzero branches is counted on a grid of g_h; where it changes by two, the
    change point is bisected to ``xtol`` (the count comes from critical values of the root
    function, so a pair of nearby roots is never missed by the scan).

    Notes
    -----
    At a saddle-node G(D) = 0 and G'(D) = 0 (a double root of D - m(D)); equivalently a local
    extremum of the root function touches zero. Changes of the count by one (a branch leaving
    D = 0 at F(0) = 1 when D = 0 is a fixed point) are not saddle-nodes and are skipped.
    """
    if not (0 <= g_min < g_max):
        raise ValueError(f"need 0 <= g_min < g_max, got g_min={g_min!r}, g_max={g_max!r}")
    gs = np.linspace(g_min, g_max, n_grid)

    def count(g):
        return count_nonzero_branches(params.replace(g_h=float(g)), tol=tol)

    counts = [count(g) for g in gs]
    out = []
    for k in range(n_grid - 1):
        if abs(counts[k + 1] - counts[k]) != 2:
            continue
        a, b, ca = gs[k], gs[k + 1], counts[k]
        while b - a > xtol:
            mid = 0.5 * (a + b)
            if count(mid) == ca:
                a = mid
            else:
                b = mid
        g_sn = 0.5 * (a + b)
        crit_d, crit_f, _ = critical_values(params.replace(g_h=float(g_sn)), tol=tol)
        d_sn = float(crit_d[np.argmin(np.abs(crit_f))]) if crit_d.size else float("nan")
        out.append(SaddleNode(float(g_sn), d_sn, (float(a), float(b))))
    return out


__all__ = ["Branch", "StaticSolution", "StaticGrid", "SaddleNode", "solve_static",
           "solve_static_grid", "static_map", "critical_values", "count_nonzero_branches",
           "saddle_nodes", "default_grid"]
