"""Bulk of the fixed-point Jacobian spectrum from the spectral-curve function F(lambda).

Built on the generated kernels ``spectral_curve`` and ``spectral_curve_frozen``
(derivations/spectral.py, equations in derivations/equations/gated.md); this module only adds
the geometry: where F(lambda) = 1 lies, the right edge, the spectral radius, the frozen
fraction and the marginal-stability criterion (THEORY.md section 3).

Notes
-----
At a fixed point with recurrent-field variances (D_h, D_z, D_r) (D_z = D_r = q = <phi^2>), the
bulk of the (h, r) block of the Jacobian is the region F(lambda) >= 1 with

    F(lambda) = <s_z^2 / |lambda + s_z|^2> <phi'^2> (<s_r^2> + <phi^2><s_r'^2> / |1 + tau_r lambda|^2)

(N further eigenvalues sit at -1/tau_z). Two facts fix the geometry:

* F(x + i y) <= F(x + i 0) term by term, so the support lies in {Re lambda : F(Re lambda) >= 1}
  and its rightmost point is on the real axis: the right edge is a real root of F(x) = 1.
* With alpha_z > 0 the update-gate values s_z fill (0, 1), and <s_z^2/|lambda + s_z|^2> diverges
  on the real segment (-1, 0) (a double pole for every s_z). The support therefore always
  contains thin "whiskers" hugging that segment, of half-width about
  pi p(s) s^2 <phi'^2>(...) at lambda = -s (p the density of s_z), exponentially thin where
  p is small. The **right edge** is defined as sup Re(support): the root x* >= 0 of F(x) = 1 when
  F(0) = F_hr(0) >= 1, otherwise 0 (alpha_z > 0: reached only by the whisker of the slowest
  units) or the root in (-s_z, 0) (alpha_z = 0, no whisker). The boundary curve returned by
  :func:`spectral_boundary` does not resolve whiskers thinner than its angular resolution.

Hard update gate (alpha_z -> infinity with theta_z = beta_z / alpha_z fixed): a fraction
f0 = P(z* < theta_z) of units is frozen and gives f0 N eigenvalues at exactly 0; the rest obeys
F_0(lambda) = (1 - f0) <phi'^2>(<s_r^2> + <phi^2><s_r'^2>/|1 + tau_r lambda|^2) / |1 + lambda|^2 = 1.
A fixed point with F_hr(0) = <phi'^2>(<s_r^2> + <phi^2><s_r'^2>) > 1 (unstable with any finite
gates) becomes marginally stable in that limit iff (1 - f0) F_hr(0) < 1.

The eigenvalue density inside the support comes from the hermitised self-consistent resolvent
(:func:`hermitized_resolvent`, :func:`disc_mass`), built on the generated per-unit Jacobian
factors.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit

from ._generated import kwargs_for, load
from .errors import ConvergenceError
from .gaussian import columnwise_average, independent_average
from .params import ModelParams

DEFAULT_TOL = 1e-10
_CHUNK = 128
_AVERAGE_CACHE: dict = {}


# ---- inputs ---------------------------------------------------------------------------------
def field_variances(variances) -> tuple[float, float, float]:
    """(D_h, D_z, D_r) from a 3-sequence, a mapping with those keys (``{"D_h"}`` alone for the
    additive model, whose F ignores D_z, D_r), or a static branch with ``delta_h`` and ``q``
    (theory.static_mft.Branch; D_z = D_r = q); validated finite and >= 0, D_h > 0."""
    if isinstance(variances, Mapping) and set(variances) == {"D_h"}:  # additive-model branch
        out = (float(variances["D_h"]),) * 3
    elif isinstance(variances, Mapping):
        try:
            out = tuple(float(variances[k]) for k in ("D_h", "D_z", "D_r"))
        except KeyError as exc:
            raise ValueError(f"variances mapping needs keys D_h, D_z, D_r; missing {exc}") from None
    elif hasattr(variances, "delta_h") and hasattr(variances, "q"):
        out = (float(variances.delta_h), float(variances.q), float(variances.q))
    elif isinstance(variances, Sequence | np.ndarray) and len(variances) == 3:
        out = tuple(float(v) for v in variances)
    else:
        raise ValueError(f"variances must be (D_h, D_z, D_r), a mapping or a fixed point; got {variances!r}")
    for name, v in zip(("D_h", "D_z", "D_r"), out):
        if not (math.isfinite(v) and v >= 0):
            raise ValueError(f"{name} must be finite and >= 0, got {v!r}")
    if out[0] == 0:
        raise ValueError("D_h = 0 is the zero fixed point; its spectrum is a disk "
                         "s_z(-1 + g_h s_r w), |w| <= 1 (THEORY.md section 2), not a Gaussian bulk")
    return out


def _check_static_params(params: ModelParams) -> None:
    if not isinstance(params, ModelParams):
        raise ValueError(f"params must be a ModelParams, got {type(params).__name__}")
    if params.has_time_dependent_input:
        raise ValueError("the fixed-point spectrum needs time-independent inputs")
    for name in ("I_h", "I_z", "I_r"):
        if np.ndim(getattr(params, name)) > 0:
            raise ValueError(f"{name} must be a scalar for the mean-field spectrum")


def theta_of(params: ModelParams, theta_z: float | None = None) -> float:
    """Threshold theta_z of the hard update gate: given, or beta_z / alpha_z (alpha_z > 0)."""
    if theta_z is not None:
        theta_z = float(theta_z)
        if not math.isfinite(theta_z):
            raise ValueError(f"theta_z must be finite, got {theta_z!r}")
        return theta_z
    if params.alpha_z <= 0:
        raise ValueError("the hard-gate limit needs theta_z or alpha_z > 0 (theta_z = beta_z / alpha_z)")
    return params.beta_z / params.alpha_z


# ---- F(lambda) ------------------------------------------------------------------------------
def spectral_function(params: ModelParams, variances, lam, *, frozen: bool = False,
                      theta_z: float | None = None, tol: float = DEFAULT_TOL) -> np.ndarray:
    """F(lambda) at complex ``lam`` (any shape); F >= 1 is the bulk.

    Parameters
    ----------
    params : ModelParams
    variances : see :func:`field_variances`
    lam : complex array
    frozen : bool
        Use the hard update gate (alpha_z -> infinity, threshold ``theta_z``).
    tol : float
        Tolerance of the Gaussian averages (theory.gaussian.independent_average).

    Notes
    -----
    F = <s_z^2/|lambda + s_z|^2> <phi'^2> (<s_r^2> + <phi^2><s_r'^2>/|1 + tau_r lambda|^2);
    frozen: <s_z^2/|lambda + s_z|^2> -> (1 - f0)/|1 + lambda|^2. Additive model:
    F = <phi'^2>/|1 + lambda|^2. Generated kernels: ``spectral_curve``, ``spectral_curve_frozen``.
    The lambda-dependent average B_1 = <s_z^2/|lambda + s_z|^2> is computed for each lambda to
    its own node count (theory.gaussian.columnwise_average), so points near the real-axis poles
    do not refine the others.
    """
    _check_static_params(params)
    D_h, D_z, D_r = field_variances(variances)
    lam = np.asarray(lam, dtype=complex)
    chunk = 8 * _CHUNK  # B_1 is averaged per lambda (columnwise_average): chunks only bound memory
    if lam.size > chunk:  # bounded memory
        flat = lam.reshape(-1)
        order = np.argsort(np.abs(flat.imag))  # similar distance to the real-axis poles per chunk
        parts = [spectral_function(params, (D_h, D_z, D_r), flat[order[i:i + chunk]], frozen=frozen,
                                   theta_z=theta_z, tol=tol) for i in range(0, flat.size, chunk)]
        out = np.empty(flat.size)
        out[order] = np.concatenate(parts)
        return out.reshape(lam.shape)
    if not params.is_gated:
        gen = load("additive")
        average = functools.partial(independent_average, tol=tol)
        return gen.spectral_curve(D_h, lam.real, lam.imag, average=average,
                                  **kwargs_for(gen.spectral_curve, params))[0]
    gen = load("gated")
    B0, B2, B3, B4 = _static_averages(params, (D_h, D_z, D_r), tol)
    if frozen:
        kw = kwargs_for(gen.spectral_combine_frozen, params, theta_z=theta_of(params, theta_z))
        return gen.spectral_combine_frozen(B0, B2, B3, B4, D_h, D_z, D_r, lam.real, lam.imag, **kw)[0]
    kw1 = kwargs_for(gen.spectral_integrand_B_1, params, lam_re=None, lam_im=None)
    del kw1["lam_re"], kw1["lam_im"]
    # per-lambda node counts: points near the real-axis poles do not refine the others
    B1 = columnwise_average(functools.partial(gen.spectral_integrand_B_1, **kw1), D_z,
                            {"lam_re": lam.real, "lam_im": lam.imag}, tol=tol)
    return gen.spectral_combine(B0, B1, B2, B3, B4, D_h, D_z, D_r, lam.real, lam.imag,
                                **kwargs_for(gen.spectral_combine, params))[0]


def _static_averages(params: ModelParams, variances, tol: float):
    """The lambda-independent averages B_0, B_2, B_3, B_4 of the generated ``spectral_curve``
    (cached per parameters, variances and tolerance; only B_1 depends on lambda)."""
    gen = load("gated")
    key = (tuple(sorted(kwargs_for(gen.spectral_curve, params).items())), tuple(variances), tol)
    if key not in _AVERAGE_CACHE:
        if len(_AVERAGE_CACHE) > 256:
            _AVERAGE_CACHE.clear()
        D_h, D_z, D_r = variances
        out = []
        by_field = {"eta_h": D_h, "eta_z": D_z, "eta_r": D_r}
        for integrand in gen.spectral_curve.integrands:
            if integrand is gen.spectral_integrand_B_1:
                continue
            D = by_field[integrand.variables[0]]
            f = functools.partial(integrand, **kwargs_for(integrand, params))
            out.append(float(independent_average(f, (D,), 0, tol=tol)))
        _AVERAGE_CACHE[key] = tuple(out)
    return _AVERAGE_CACHE[key]


#: Points closer than this to the real axis count as on it in :func:`in_bulk`.
AXIS_TOL = 1e-3


def in_bulk(params: ModelParams, variances, lam, *, frozen: bool = False, theta_z: float | None = None,
            tol: float = 1e-8, zero_tol: float = 1e-9) -> np.ndarray:
    """Boolean mask: is each ``lam`` in the predicted bulk {F >= 1} (closure of the whiskers)?

    Notes
    -----
    F(x + iy) decreases with |y|, so F(x + i AXIS_TOL) >= 1 implies F(x + iy) >= 1 for
    |y| <= AXIS_TOL. Points with |y| < AXIS_TOL and F(x + i AXIS_TOL) < 1 count as inside
    iff they lie on the whisker segment -sup s_z < x < -inf s_z, where F = infinity on the axis
    (alpha_z > 0, not frozen); elsewhere F is evaluated at the point itself. With an update gate,
    |lambda| <= ``zero_tol`` (numerically zero) counts as inside: lambda = 0 closes the whisker
    (alpha_z > 0) or carries the frozen delta mass f0 (hard gate).
    """
    lam = np.asarray(lam, dtype=complex)
    x, y = lam.real, np.abs(lam.imag)
    near = y < AXIS_TOL
    probe = np.where(near, x + 1j * AXIS_TOL, lam)
    F = spectral_function(params, variances, probe, frozen=frozen, theta_z=theta_z, tol=tol)
    inside = F >= 1.0
    if params.is_gated and params.alpha_z > 0 and not frozen:
        inside |= near & (x > -1.0) & (x < 0.0)
    if params.is_gated and (params.alpha_z > 0 or frozen):  # 0: whisker end / frozen delta
        inside |= np.abs(lam) <= zero_tol
    return inside


def frozen_fraction(params: ModelParams, variances, theta_z: float | None = None) -> float:
    """f0 = P(z* < theta_z), z* ~ N(I_z, D_z): the fraction of frozen units (hard update gate).

    Notes
    -----
    f0 = erfc((I_z - theta_z) / sqrt(2 D_z)) / 2 (generated ``spectral_curve_frozen``); in the
    alpha_z -> infinity limit the Jacobian has f0 N eigenvalues at exactly 0 (a delta mass f0).
    """
    _check_static_params(params)
    if not params.is_gated:
        return 0.0
    D_h, D_z, D_r = field_variances(variances)
    gen = load("gated")
    kw = kwargs_for(gen.spectral_curve_frozen, params, theta_z=theta_of(params, theta_z))
    return float(gen.spectral_curve_frozen(D_h, D_z, D_r, 1.0, 0.0, average=independent_average, **kw)[1])


def f_hr0(params: ModelParams, variances, *, tol: float = DEFAULT_TOL) -> float:
    """F_hr(0) = <phi'^2>(<s_r^2> + <phi^2><s_r'^2>) = F(0), independent of the update gate.

    Notes
    -----
    F(0) = <s_z^2/s_z^2> <phi'^2>(...) = F_hr(0); F_hr(0) > 1 means an unstable fixed point for
    every finite update gate (the right edge is then > 0).
    """
    return float(spectral_function(params, variances, 0.0, tol=tol))


@dataclass
class MarginalStability:
    """The hard-update-gate criterion (1 - f0) F_hr(0) < 1 < F_hr(0)."""

    F_hr0: float
    frozen_fraction: float
    unstable_with_constant_gates: bool
    marginally_stable: bool

    @property
    def reduced_F0(self) -> float:
        """(1 - f0) F_hr(0): F of the reduced bulk at lambda = 0."""
        return (1.0 - self.frozen_fraction) * self.F_hr0


def marginal_stability(params: ModelParams, variances, theta_z: float | None = None,
                       *, tol: float = DEFAULT_TOL) -> MarginalStability:
    """Whether the fixed point is made marginally stable by a hard update gate.

    Notes
    -----
    Unstable with constant (or any finite) gates iff F_hr(0) > 1; with alpha_z -> infinity the
    nonzero eigenvalues obey (1 - f0) F_hr(lambda)/|1 + lambda|^2 = 1, all in Re lambda < 0 iff
    (1 - f0) F_hr(0) < 1, and f0 N eigenvalues sit at 0: marginal iff (1 - f0) F_hr(0) < 1 < F_hr(0).
    """
    F0 = f_hr0(params, variances, tol=tol)
    f0 = frozen_fraction(params, variances, theta_z)
    return MarginalStability(F0, f0, F0 > 1.0, bool((1.0 - f0) * F0 < 1.0 < F0))


# ---- right edge -----------------------------------------------------------------------------
def _real_F(params, variances, frozen, theta_z, tol):
    return lambda x: float(spectral_function(params, variances, complex(x), frozen=frozen,
                                             theta_z=theta_z, tol=tol))


def _root_right_of(Freal, a: float, tol: float, pole: bool) -> float:
    """Root of F(x) = 1 on (a, inf), for F decreasing there with F(a+) > 1 (a pole or F(a) > 1)."""
    b = max(a, 0.0) + 1.0
    while Freal(b) >= 1.0:
        b = a + 2.0 * (b - a)
        if b > 1e8:
            raise ConvergenceError("F(x) >= 1 up to x = 1e8: no right edge", [b])
    lo = a if not pole and Freal(a) > 1.0 else a + 0.5 * (b - a)
    while Freal(lo) <= 1.0:
        b, lo = lo, a + 0.5 * (lo - a)
        if lo - a < 1e-15 * max(1.0, abs(a)):
            raise ConvergenceError("no crossing of F = 1 right of the pole", [lo])
    return brentq(lambda x: Freal(x) - 1.0, lo, b, xtol=1e-14, rtol=4 * np.finfo(float).eps)


def right_edge(params: ModelParams, variances, *, frozen: bool = False, theta_z: float | None = None,
               tol: float = DEFAULT_TOL) -> float:
    """sup Re of the bulk {F >= 1} (see the module Notes for the whisker convention).

    Notes
    -----
    F(x + iy) <= F(x) so the rightmost point is real. F(0) = F_hr(0):
    F(0) >= 1 -> the root x* >= 0 of F(x) = 1 (F decreases on x > 0);
    F(0) < 1 -> alpha_z > 0: 0 (whisker on (-1, 0)); alpha_z = 0: the root in (-s_z, 0).
    Frozen: the root of the reduced F_0(x) = 1 on x > -1 (the f0 delta at 0 is not included;
    see :func:`spectral_summary` for the edge including it).
    """
    _check_static_params(params)
    Freal = _real_F(params, variances, frozen, theta_z, tol)
    if frozen or not params.is_gated:
        if frozen and frozen_fraction(params, variances, theta_z) >= 1.0:
            raise ValueError("every unit is frozen (f0 = 1): no reduced bulk")
        return _root_right_of(Freal, -1.0, tol, True)
    F0 = Freal(0.0)
    if F0 >= 1.0:
        return _root_right_of(Freal, 0.0, tol, False) if F0 > 1.0 else 0.0
    if params.alpha_z > 0:
        return 0.0
    s_z = float(expit(params.alpha_z * params.I_z - params.beta_z))
    return _root_right_of(Freal, -s_z, tol, True)


# ---- boundary curve -------------------------------------------------------------------------
@dataclass
class SpectralBoundary:
    """The curve(s) F(lambda) = 1: ``curves`` is a list of complex arrays, each a closed curve
    (last point not repeated), found as the outermost crossing along rays from ``centers``."""

    curves: list
    centers: list
    residual: float
    frozen: bool = False

    @property
    def points(self) -> np.ndarray:
        return np.concatenate(self.curves) if self.curves else np.zeros(0, complex)

    def as_pairs(self) -> list:
        """[[re, im], ...] over all curves (curves separated by nothing; see ``curves``)."""
        p = self.points
        return np.column_stack([p.real, p.imag]).tolist()


def _centers(params: ModelParams, variances, frozen, theta_z, tol) -> list[complex]:
    if not params.is_gated or frozen:
        c0 = -1.0
    else:
        c0 = -float(expit(params.alpha_z * params.I_z - params.beta_z))  # median s_z
    centers = [complex(c0)]
    if params.is_gated and params.alpha_r > 0:
        c1 = -1.0 / params.tau_r
        xs = np.linspace(c0, c1, 65)[1:-1]
        if abs(c1 - c0) > 1e-9:
            Fx = spectral_function(params, variances, xs + 0.02j, frozen=frozen, theta_z=theta_z, tol=tol)
            if np.any(Fx < 1.0):
                centers.append(complex(c1))
    return centers


def _scan(F, c: complex, e: np.ndarray, r_max: float):
    """Bracket [lo, hi] (in log r) of the outermost crossing of F = 1 on each ray c + r e."""
    while True:
        radii = r_max * np.geomspace(1e-2, 1.0, 40)
        vals = F(c + radii[:, None] * e[None, :])
        if np.all(vals[-1] < 1.0):
            break
        r_max *= 2.0
        if r_max > 1e8:
            raise ConvergenceError("spectral boundary: F >= 1 at |lambda| = 1e8", [r_max])
    inside = vals >= 1.0
    if not np.all(inside[0]):
        raise ConvergenceError("spectral boundary: some rays never enter F >= 1 (center outside the bulk)",
                               [float(np.min(vals.max(axis=0)))])
    last = inside.shape[0] - 1 - np.argmax(inside[::-1], axis=0)  # outermost inside sample
    return np.log(radii[last]), np.log(radii[last + 1])


def _rays(F, c: complex, n: int, r_max: float, n_coarse: int = 64):
    """Outermost r with F(c + r e^{i theta}) = 1 on n rays (theta offset from the real axis).

    A coarse scan on ``n_coarse`` rays brackets the crossing, the bracket is interpolated to the
    n rays (rescanned where it fails), then Illinois regula falsi on log F in log r until, per ray,
    the bracket or |log F| is below 1e-13 (converged rays are not evaluated again).
    """
    theta = 2 * np.pi * (np.arange(n) + 0.5) / n
    e = np.exp(1j * theta)
    m = min(n, n_coarse)
    th_c = 2 * np.pi * (np.arange(m) + 0.5) / m
    lo_c, hi_c = _scan(F, c, np.exp(1j * th_c), r_max)
    mid_c = 0.5 * (lo_c + hi_c)
    guess = np.interp(theta, np.r_[th_c - 2 * np.pi, th_c, th_c + 2 * np.pi], np.r_[mid_c, mid_c, mid_c])
    lo, hi = guess - 0.3, guess + 0.3
    f_lo = np.log(F(c + np.exp(lo) * e))
    f_hi = np.log(F(c + np.exp(hi) * e))
    bad = ~((f_lo >= 0) & (f_hi < 0))
    if np.any(bad):
        lo[bad], hi[bad] = _scan(F, c, e[bad], r_max)
        f_lo[bad] = np.log(F(c + np.exp(lo[bad]) * e[bad]))
        f_hi[bad] = np.log(F(c + np.exp(hi[bad]) * e[bad]))
    side = np.zeros(n)
    x, fx = 0.5 * (lo + hi), np.full(n, np.inf)
    act = np.arange(n)  # rays not yet converged; converged rays are not evaluated again
    for _ in range(100):
        a, b, fa, fb = lo[act], hi[act], f_lo[act], f_hi[act]
        xa = b - fb * (b - a) / (fb - fa)
        xa = np.where(np.isfinite(xa) & (xa > a) & (xa < b), xa, 0.5 * (a + b))
        fxa = np.log(F(c + np.exp(xa) * e[act]))
        ins = fxa >= 0
        # Illinois: halve the retained end's value when the same side is kept twice
        lo[act], f_lo[act] = np.where(ins, xa, a), np.where(ins, fxa, np.where(side[act] < 0, 0.5 * fa, fa))
        hi[act], f_hi[act] = np.where(ins, b, xa), np.where(ins, np.where(side[act] > 0, 0.5 * fb, fb), fxa)
        side[act] = np.where(ins, 1.0, -1.0)
        x[act], fx[act] = xa, fxa
        act = act[np.minimum(hi[act] - lo[act], np.abs(fxa)) >= 1e-13]
        if act.size == 0:
            break
    else:
        raise ConvergenceError("spectral boundary: regula falsi did not converge", [float(np.max(hi - lo))])
    r = np.where(np.abs(f_lo) < np.abs(f_hi), lo, hi)
    r = np.where(np.abs(fx) <= np.minimum(np.abs(f_lo), np.abs(f_hi)), x, r)
    return c + np.exp(r) * e


def spectral_boundary(params: ModelParams, variances, *, n_points: int = 512, frozen: bool = False,
                      theta_z: float | None = None, tol: float = DEFAULT_TOL) -> SpectralBoundary:
    """The boundary F(lambda) = 1 as closed curve(s) of ``n_points`` points each.

    Parameters
    ----------
    n_points : int
        Rays per curve (>= 8).

    Notes
    -----
    Each curve is r(theta), the outermost root of F(c + r e^{i theta}) = 1 (bisection in log r to
    1e-13, Illinois regula falsi), from a center c inside the bulk: c = -median(s_z) (a pole of F), c = -1 for the hard
    gate or the additive model, and c = -1/tau_r too when the output gate makes a separate
    component there. Regions not star-shaped from c are represented by their outer boundary, and
    whiskers on (-1, 0) thinner than the ray spacing are not resolved (module Notes).
    """
    _check_static_params(params)
    if not (isinstance(n_points, (int, np.integer)) and n_points >= 8):
        raise ValueError(f"n_points must be an integer >= 8, got {n_points!r}")
    if frozen and frozen_fraction(params, variances, theta_z) >= 1.0:
        raise ValueError("every unit is frozen (f0 = 1): no reduced bulk")

    def F(lam):
        return spectral_function(params, variances, lam, frozen=frozen, theta_z=theta_z, tol=tol)

    F0 = float(F(0.0)) if not frozen else float(f_hr0(params, variances, tol=tol))
    r_max = 2.0 + 2.0 * math.sqrt(max(F0, 1.0)) * max(1.0, 1.0 / params.tau_r if params.is_gated else 1.0)
    centers = _centers(params, variances, frozen, theta_z, tol)
    curves = [_rays(F, c, int(n_points), r_max + abs(c)) for c in centers]
    pts = np.concatenate(curves)
    residual = float(np.max(np.abs(np.log(F(pts)))))
    return SpectralBoundary(curves, centers, residual, frozen)


# ---- spectral radius and summary ------------------------------------------------------------
def spectral_radius(params: ModelParams, variances, *, frozen: bool = False, theta_z=None,
                    boundary: SpectralBoundary | None = None, tol: float = DEFAULT_TOL) -> float:
    """max |lambda| over the bulk: max over the boundary (parabolic interpolation between rays),
    and sup s_z = 1 (whisker) if alpha_z > 0.

    Notes
    -----
    The whisker on (-1, 0) reaches |lambda| -> 1 when alpha_z > 0 (not frozen); the hard-gate
    delta at 0 does not change the radius.
    """
    if boundary is None:
        boundary = spectral_boundary(params, variances, frozen=frozen, theta_z=theta_z, tol=tol)
    rho = 0.0
    for curve in boundary.curves:  # parabolic interpolation of |lambda|(theta) at the maximum
        a = np.abs(curve)
        k = int(np.argmax(a))
        y0, y1, y2 = a[k - 1], a[k], a[(k + 1) % a.size]
        den = y0 - 2 * y1 + y2
        rho = max(rho, y1 - 0.125 * (y2 - y0) ** 2 / den if den < 0 else y1)
    if params.is_gated and params.alpha_z > 0 and not frozen:
        rho = max(rho, 1.0)
    return rho


def spectral_summary(params: ModelParams, variances, *, n_points: int = 512, theta_z=None,
                     tol: float = DEFAULT_TOL) -> dict:
    """Everything the ``spectrum`` command reports, as a dict of floats, bools and lists."""
    boundary = spectral_boundary(params, variances, n_points=n_points, tol=tol)
    fine = boundary if n_points >= 512 else spectral_boundary(params, variances, n_points=512, tol=tol)
    D_h, D_z, D_r = field_variances(variances)
    out = {
        "delta_h": D_h, "q": D_z,
        "F_hr0": f_hr0(params, variances, tol=tol),
        "right_edge": right_edge(params, variances, tol=tol),
        "spectral_radius": spectral_radius(params, variances, boundary=fine, tol=tol),
        "stable": None,
        "boundary": boundary.as_pairs(),
        "boundary_curves": len(boundary.curves),
        "boundary_residual": boundary.residual,
    }
    out["stable"] = bool(out["right_edge"] <= 0.0)
    if params.is_gated and (theta_z is not None or params.alpha_z > 0):
        ms = marginal_stability(params, variances, theta_z, tol=tol)
        out["frozen_fraction"] = ms.frozen_fraction
        out["theta_z"] = theta_of(params, theta_z)
        out["reduced_F0"] = ms.reduced_F0
        out["marginally_stable"] = ms.marginally_stable
        if ms.frozen_fraction < 1.0:
            out["frozen_right_edge"] = right_edge(params, variances, frozen=True, theta_z=theta_z, tol=tol)
    else:
        out["frozen_fraction"] = 0.0
        out["marginally_stable"] = False
    return out


# ---- eigenvalue density inside the support (hermitisation) ---------------------------------
@dataclass
class HermitizedResolvent:
    """g(lambda) = lim (1/2N) tr (lambda - J)^{-1} in the hermitised sense, with the self-energies
    (m_h, m_r, n_h, n_r) and the iteration count / last change reached."""

    lam: np.ndarray
    g: np.ndarray
    self_energies: np.ndarray
    iterations: int
    change: float


def _unit_factors(params: ModelParams, variances, n_nodes: int):
    """Per-unit Jacobian factors on a Gauss-Hermite product grid of the fixed-point fields
    (``n_nodes`` per field, or a tuple (h, z, r): the z average converges slowly where the
    whisker poles -s_z(z) lie near the contour, so it may need many more nodes).

    Returns the weights and (L_h, L_r, A_h, A_r, B_hh, B_hr, B_rh) per node, from the generated
    ``fixed_point_state`` and ``jacobian_factors`` (the z column vanishes at a fixed point)."""
    D_h, D_z, D_r = field_variances(variances)
    gen = load("gated")
    counts = (n_nodes,) * 3 if np.ndim(n_nodes) == 0 else tuple(n_nodes)
    if len(counts) != 3 or min(counts) < 1:
        raise ValueError(f"n_nodes must be an integer >= 1 or three of them (h, z, r), got {n_nodes!r}")
    axes = []
    for D, used, m in zip((D_h, D_z, D_r), (True, params.alpha_z > 0, params.alpha_r > 0), counts):
        x, w = np.polynomial.hermite_e.hermegauss(int(m))
        w = w / math.sqrt(2 * math.pi)
        axes.append((math.sqrt(D) * x, w) if used and D > 0 else (np.zeros(1), np.ones(1)))
    grids = np.meshgrid(*[a[0] for a in axes], indexing="ij")
    weights = np.multiply.reduce(np.meshgrid(*[a[1] for a in axes], indexing="ij")).ravel()
    eta = [g.ravel() for g in grids]
    state = gen.fixed_point_state(*eta, **kwargs_for(gen.fixed_point_state, params))
    f = dict(zip(gen.JACOBIAN_FACTORS,
                 gen.jacobian_factors(*state, *eta, **kwargs_for(gen.jacobian_factors, params))))
    return weights, (f["L_h_h"], f["L_r_r"], f["A_h_h"], f["A_r_r"], f["B_h_h"], f["B_h_r"], f["B_r_h"])


def hermitized_resolvent(params: ModelParams, variances, lam, *, eta: float = 1e-9, n_nodes: int = 16,
                         tol: float = 1e-8, max_iter: int = 5000, damping: float = 0.8) -> HermitizedResolvent:
    """Self-consistent hermitised resolvent of the (h, r) block of the fixed-point Jacobian.

    Parameters
    ----------
    lam : complex array (flattened)
    eta : float
        Regularisation i eta of the hermitisation (-> 0+).
    n_nodes : int
        Gauss-Hermite nodes per fixed-point field (h, and z, r when their gates have a slope).
    tol, max_iter, damping : iteration control; ConvergenceError if the change stays above tol.

    Notes
    -----
    J = [L] + [A_h] J^h [B_h] + [A_r] J^r [B_r] with per-unit 2 x 2 blocks in (h, r):
    L = diag(-s_z, -1/tau_r), P_h = (s_z, 0)^T, Q_h = (s_r phi', phi s_r'), P_r = (0, 1/tau_r)^T,
    Q_r = (phi', 0) (generated ``jacobian_factors``). The hermitisation
    [[i eta, lambda - J], [(lambda - J)^T, i eta]]^{-1} = G has, for iid Gaussian J^k of
    variance 1/N, the per-unit 4 x 4 blocks

        G_i = [[i eta - Sigma_1, lambda - L_i], [conj(lambda) - L_i, i eta - Sigma_2]]^{-1},
        Sigma_1 = m_h P_h P_h^T + m_r P_r P_r^T,  Sigma_2 = n_h Q_h^T Q_h + n_r Q_r^T Q_r,
        m_k = < Q_k G_22 Q_k^T >,  n_k = < P_k^T G_11 P_k >   (averages over units),

    solved by damped iteration from m = n = -i (outside the support it decays to 0). Then
    g(lambda) = < tr G_21 > / 2 (normalised to the 2N eigenvalues), the density is
    rho = (1/pi) d g / d conj(lambda), and the mass inside a closed curve C is
    (1/(2 pi i)) oint_C g dlambda (:func:`disc_mass`). F(lambda) = 1 is where the nonzero
    solution branches off m = n = 0.
    """
    _check_static_params(params)
    if not params.is_gated:
        raise ValueError("hermitized_resolvent is implemented for the gated model")
    lam = np.atleast_1d(np.asarray(lam, dtype=complex)).ravel()
    w, (Lh, Lr, Ah, Ar, Bhh, Bhr, Brh) = _unit_factors(params, variances, n_nodes)
    Lr, Ar = np.broadcast_to(Lr, w.shape), np.broadcast_to(Ar, w.shape)
    mat = np.zeros((lam.size, w.size, 4, 4), complex)
    mat[:, :, 0, 2] = lam[:, None] - Lh
    mat[:, :, 1, 3] = lam[:, None] - Lr
    mat[:, :, 2, 0] = np.conj(lam)[:, None] - Lh
    mat[:, :, 3, 1] = np.conj(lam)[:, None] - Lr
    se = np.full((4, lam.size), -1j)  # m_h, m_r, n_h, n_r
    change = np.inf
    for it in range(1, max_iter + 1):
        m_h, m_r, n_h, n_r = (v[:, None] for v in se)
        mat[:, :, 0, 0] = 1j * eta - m_h * Ah**2
        mat[:, :, 1, 1] = 1j * eta - m_r * Ar**2
        mat[:, :, 2, 2] = 1j * eta - n_h * Bhh**2 - n_r * Brh**2
        mat[:, :, 2, 3] = mat[:, :, 3, 2] = -n_h * Bhh * Bhr
        mat[:, :, 3, 3] = 1j * eta - n_h * Bhr**2
        G = np.linalg.inv(mat)
        new = np.array([
            (w * (Bhh**2 * G[..., 2, 2] + Bhh * Bhr * (G[..., 2, 3] + G[..., 3, 2]) + Bhr**2 * G[..., 3, 3])).sum(-1),
            (w * Brh**2 * G[..., 2, 2]).sum(-1),
            (w * Ah**2 * G[..., 0, 0]).sum(-1),
            (w * Ar**2 * G[..., 1, 1]).sum(-1),
        ])
        change = float(np.max(np.abs(new - se)))
        se = damping * new + (1 - damping) * se
        if change < tol:
            break
    else:
        raise ConvergenceError(f"hermitised resolvent: change {change:.2g} > tol {tol:g} after {max_iter} "
                               "iterations", [change])
    g = (w * (G[..., 2, 0] + G[..., 3, 1])).sum(-1) / 2
    return HermitizedResolvent(lam, g, se, it, change)


def disc_mass(params: ModelParams, variances, center: complex, radius, *, n_theta: int = 64,
              **kwargs) -> np.ndarray:
    """Predicted fraction of the 2N (h, r)-block eigenvalues with |lambda - center| < radius.

    Notes
    -----
    Stokes: int_disc rho dA = (1/(2 pi i)) oint g dlambda = < g(c + R e^{i theta}) R e^{i theta} >_theta
    (trapezoid rule in theta, spectrally accurate for the smooth periodic integrand; circles
    through the whisker on (-1, 0) are not smooth there). ``kwargs`` go to
    :func:`hermitized_resolvent`.
    """
    radius = np.atleast_1d(np.asarray(radius, dtype=float))
    if np.any(~np.isfinite(radius)) or np.any(radius <= 0):
        raise ValueError(f"radius must be finite and > 0, got {radius!r}")
    theta = 2 * np.pi * (np.arange(n_theta) + 0.5) / n_theta
    e = np.exp(1j * theta)
    lam = center + radius[:, None] * e[None, :]
    res = hermitized_resolvent(params, variances, lam.ravel(), **kwargs)
    g = res.g.reshape(lam.shape)
    return np.real(np.mean(g * radius[:, None] * e[None, :], axis=1))
