"""High-precision (mpmath) reference Gaussian averages, to check the fast paths.

Notes
-----
Integrals are taken with ``mpmath.quad`` (tanh-sinh) over the whole real line in standard-normal
variables, split at the given breakpoints (steep gates, kinks). Precision is always scoped with
``mpmath.workdps``; the global ``mpmath.mp.dps`` is never changed. Results are mpf numbers at the
working precision (convert with ``float``). Integrands take and return mpmath numbers, e.g. the
generated ``theory._generated.<model>_mpmath`` functions.
"""

from __future__ import annotations

import mpmath

DEFAULT_DPS = 30


def _check_dps(dps):
    if not isinstance(dps, int) or dps < 15:
        raise ValueError(f"dps must be an integer >= 15, got {dps!r}")


def _points(breakpoints, mean, sd, limit=None):
    """Split points in standard-normal units; infinite ends unless ``limit`` (then +-limit)."""
    inner = sorted({(mpmath.mpf(b) - mean) / sd for b in (breakpoints or ())})
    if limit is None:
        return [mpmath.ninf] + inner + [mpmath.inf]
    return [-limit] + [p for p in inner if abs(p) < limit] + [limit]


def _limit(dps):
    """Half-width beyond which the Gaussian tail is below 10^-(dps+5)."""
    return mpmath.sqrt(2 * (dps + 5) * mpmath.log(10)) + 1


def gate_breakpoints(alpha, beta, widths=(-16, -4, -1, 0, 1, 4, 16)):
    """Split points around the step of expit(alpha x - beta) (x = beta/alpha, +- k/alpha)."""
    if alpha == 0:
        return ()
    return tuple((beta + k) / alpha for k in widths)


def gaussian_average_mp(f, variance, mean=0, *, dps=DEFAULT_DPS, breakpoints=()):
    """E f(x), x ~ N(mean, variance), by mp.quad at ``dps`` digits.

    Notes
    -----
    E f = int f(mean + sqrt(v) xi) exp(-xi^2 / 2) / sqrt(2 pi) dxi.
    """
    _check_dps(dps)
    with mpmath.workdps(dps + 10):
        v, m = mpmath.mpf(variance), mpmath.mpf(mean)
        if v < 0:
            raise ValueError(f"variance must be >= 0, got {variance!r}")
        if v == 0:
            return +f(m)
        sd = mpmath.sqrt(v)
        norm = 1 / mpmath.sqrt(2 * mpmath.pi)
        value = mpmath.quad(lambda xi: f(m + sd * xi) * mpmath.exp(-xi * xi / 2) * norm,
                            _points(breakpoints, m, sd))
    with mpmath.workdps(dps):
        return +value


def independent_average_mp(f, variances, *, dps=DEFAULT_DPS, breakpoints=None):
    """E f(x_1, ..., x_m), independent x_i ~ N(0, variances[i]), m <= 2 (mp.quad in m dimensions).

    ``breakpoints`` is an optional list (one sequence per variable). This is the ``average``
    callable of the generated mpmath ``*_field_variances`` / ``spectral_curve`` functions.
    """
    variances = list(variances)
    bps = breakpoints or [()] * len(variances)
    if len(variances) == 1:
        return gaussian_average_mp(f, variances[0], dps=dps, breakpoints=bps[0])
    if len(variances) != 2:
        raise ValueError("independent_average_mp supports one or two variables")
    _check_dps(dps)
    with mpmath.workdps(dps + 5):
        sd = [mpmath.sqrt(mpmath.mpf(v)) for v in variances]
        norm = 1 / (2 * mpmath.pi)
        lim = _limit(dps)
        value = mpmath.quad(
            lambda a, b: f(sd[0] * a, sd[1] * b) * mpmath.exp(-(a * a + b * b) / 2) * norm,
            _points(list(bps[0]) + [0], 0, sd[0], lim), _points(list(bps[1]) + [0], 0, sd[1], lim),
            method="gauss-legendre",
        )
    with mpmath.workdps(dps):
        return +value


def gaussian_two_point_mp(f, g, var1, var2, cov, mean1=0, mean2=0, *, dps=DEFAULT_DPS):
    """E f(x1) g(x2) for jointly Gaussian (x1, x2) (variances var1, var2, covariance cov).

    Notes
    -----
    x1 = m1 + sqrt(v1) xi1, x2 = m2 + (c / sqrt(v1)) xi1 + sqrt(v2 - c^2 / v1) xi2 with
    independent standard normals; two-dimensional Gauss-Legendre mp.quad over |xi| <= L(dps)
    (tail below 10^-(dps+5)); smooth integrands only (split points are not supported in 2-D).
    """
    _check_dps(dps)
    with mpmath.workdps(dps + 5):
        v1, v2, c = mpmath.mpf(var1), mpmath.mpf(var2), mpmath.mpf(cov)
        m1, m2 = mpmath.mpf(mean1), mpmath.mpf(mean2)
        cond_var = v2 - c * c / v1
        if cond_var < 0:
            if cond_var < -mpmath.mpf(10) ** (-dps) * v2:
                raise ValueError("covariance impossible for the variances (|rho| > 1)")
            cond_var = mpmath.mpf(0)
        sd1, a, s = mpmath.sqrt(v1), c / mpmath.sqrt(v1), mpmath.sqrt(cond_var)
        norm = 1 / mpmath.sqrt(2 * mpmath.pi)
        if s == 0:
            value = mpmath.quad(lambda x: f(m1 + sd1 * x) * g(m2 + a * x) * mpmath.exp(-x * x / 2) * norm,
                                [mpmath.ninf, 0, mpmath.inf])
        else:
            lim = _limit(dps)
            value = mpmath.quad(
                lambda x, y: f(m1 + sd1 * x) * g(m2 + a * x + s * y) * mpmath.exp(-(x * x + y * y) / 2) * norm**2,
                [-lim, 0, lim], [-lim, 0, lim], method="gauss-legendre",
            )
    with mpmath.workdps(dps):
        return +value
