"""Deterministic stationary DMFT with a fluctuating output gate (alpha_z = 0, any alpha_r).

With a constant update gate s_z the single-site h and r are Gaussian linear filters of their
fields (``derivations/dmft.py``, kernel ``output_gate_lag_terms``), so the stationary problem
is two coupled lag equations,

    -C_h'' + gamma2_h C_h = c2_h C_g(tau) C_f(tau),     -C_r'' + gamma2_r C_r = c2_r C_f(tau),
    C_f = <phi phi'>_{C_h(0), C_h(tau)},   C_g = <sigma_r sigma_r'>_{C_r(0), C_r(tau)},

gamma2_h = c2_h = s_z^2, gamma2_r = c2_r = 1/tau_r^2 (i.e. (1 - tau_r^2 d^2) C_r = C_f). The
solver works in x = g_h h (phi = tanh(x), C_x = g_h^2 C_h), where the gain is only a prefactor:

    C_x = g_h^2 c2_h G_h [C_g(c2_r G_r C_f(C_x)) C_f(C_x)],   G_k = F^{-1} 1/(omega^2 + gamma2_k) F.

Newton on a periodic lag grid with exact derivatives (Price: dC_f/dC = C_{f'}, and the
variance column dC_f/dC(0) = <f'' f> at fixed covariance; the same for C_g in C_r; C_r is
linear in C_f). Either g_h is given (unknowns C_x) or the variance D_x = C_x(0) is fixed and
g_h^2 is the unknown (the branch parametrised by its variance; its minimum over D_x is the fold
where the chaotic solution appears, :func:`chaos_onset`).

lambda_max (``derivations/tangent.py``, linearised two-replica DMFT, delta C = e^{2 lambda T}
psi(tau)):

    [(lambda + gamma_h)^2 - d^2] psi_h = c2_h [C_g C_{f'} psi_h + C_f C_{g'} psi_r],
    [(lambda + gamma_r)^2 - d^2] psi_r = c2_r C_{f'} psi_h,

i.e. psi_h = K(lambda) psi_h with the positive operator K(lambda) = c2_h G_h(lambda)[C_g C_{f'}
+ C_f C_{g'} c2_r G_r(lambda) C_{f'}], G_k(lambda) = 1/(omega^2 + (lambda + gamma_k)^2). Its
Perron eigenvalue mu(lambda) decreases with lambda; lambda_max is the root of mu = 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg
import scipy.sparse.linalg
from scipy.optimize import brentq

from ._generated import kwargs_for, load
from .dmft import NoChaoticSolution, check_stationary_state
from .errors import ConvergenceError
from .params import ModelParams

__all__ = ["OutputGateDMFTResult", "solve_dmft_output_gate", "solve_at_variance", "chaos_onset",
           "ChaosOnset", "variance_branch", "two_point_on_grid"]


def _check(params: ModelParams) -> None:
    check_stationary_state(params, "output-gate DMFT")
    if not params.is_gated:
        raise ValueError("the output-gate DMFT needs the gated model (additive: theory.dmft.solve_dmft)")
    if params.alpha_z != 0:
        raise ValueError("alpha_z > 0 needs the sampling DMFT solver (theory.dmft_sampling.solve_dmft_sampling)")


class _Kernel:
    """The generated ``output_gate_lag_terms`` in x = g_h h (g_h = 1 in the kernel) and its constants."""

    def __init__(self, params: ModelParams):
        _check(params)
        self.params = params
        gen = load("gated")
        self.fn = gen.output_gate_lag_terms
        self.kw = kwargs_for(self.fn, params)
        self.kw["g_h"] = 1.0
        out = self.fn(0.0, 0.0, **self.kw)
        self.gamma2_h, self.c2_h, self.gamma2_r, self.c2_r = (float(v) for v in out[6:10])
        self.hint_f, self.hint_g = {}, {}

    def f_terms(self, x):
        """(f, f', f'' + f, f'' - f) in x (autocorrelations give C_f, C_f', and <f'' f> by polarisation)."""
        f, df, d2f = self.fn(x, 0.0, **self.kw)[:3]
        return f, df, d2f + f, d2f - f

    def g_terms(self, r):
        g, dg, d2g = self.fn(0.0, r, **self.kw)[3:6]
        return g, dg, d2g + g, d2g - g


def two_point_on_grid(funcs, c0: float, c, *, tol: float = 1e-12, points_per_sd: int = 200) -> np.ndarray:
    """<a_k(x) a_k(y)> for the outputs a_k of ``funcs``; (x, y) Gaussian, variances c0, covariances c.

    Notes
    -----
    Same quantity as :func:`theory.dmft_averages.stationary_autocorrelations` (tested against it),
    computed with one evaluation of ``funcs`` on a uniform grid u_j = j du: with s^2 = c0 - |c|,
    a^2 = |c|, the conditional average A(u) = E a_k(u + s xi) is a discrete Gaussian convolution
    (FFT) on the grid, and <a a> = int du N(u; a^2) A(u) A(sign(c) u) a trapezoid on the same grid
    (when a < 3 du, A is smooth on the scale s ~ sqrt(c0): Gauss-Hermite in z, A(a z) by a
    trapezoid in xi at step du / s).
    The convolution multiplies the DFT of the sampled a_k by exp(-s^2 omega^2 / 2).
    du = min(sqrt(c0) / points_per_sd, min s / 3) keeps the sampled Gaussians resolved (trapezoid
    error ~ exp(-2 pi^2 (s / du)^2)). The 2D trapezoid of the reference costs (nodes)^2 per
    covariance and needs ~1000 nodes for steep gates (alpha_r^2 C_r(0) ~ 100); this costs one FFT.
    """
    import scipy.fft

    from .gaussian import half_width

    c = np.atleast_1d(np.asarray(c, dtype=float))
    sd = math.sqrt(c0)
    L = half_width(tol)
    s_all = np.sqrt(np.maximum(c0 - np.abs(c), 0.0))
    pos = s_all[s_all > 0]
    du = sd / points_per_sd
    if pos.size:
        du = min(du, float(pos.min()) / 3.0)
    m = scipy.fft.next_fast_len(2 * int(math.ceil(2 * L * sd / du)) + 1, real=True)
    u = (np.arange(m) - 0.5 * (m - 1)) * du              # symmetric about 0 (for sign(c) < 0)
    vals = np.array([np.broadcast_to(np.asarray(v, float), u.shape) for v in funcs(u)])
    spec = scipy.fft.rfft(vals, axis=1)
    omega2 = (2 * np.pi * np.fft.rfftfreq(u.size, d=du)) ** 2
    gh_z, gh_w = np.polynomial.hermite_e.hermegauss(80)
    gh_w = gh_w / gh_w.sum()
    out = np.empty((vals.shape[0], c.size))
    for i, (cc, s) in enumerate(zip(c, s_all)):
        a = math.sqrt(abs(cc))
        if s > 0:
            # circular convolution with the sampled Gaussian, whose DFT is exp(-s^2 omega^2 / 2) up to
            # aliasing ~ exp(-2 pi^2 (s / du)^2); the wrap-around only reaches |u| > 2 L sd - L s >= L sd
            A = scipy.fft.irfft(spec * np.exp(-0.5 * s * s * omega2), u.size, axis=1)
        else:
            A = vals
        if a >= 3 * du:
            keep = np.abs(u) <= L * a
            wz = np.exp(-0.5 * (u[keep] / a) ** 2)
            wz /= wz.sum()
            Ak = A[:, keep]
            Ay = Ak if cc >= 0 else Ak[:, ::-1]
            out[:, i] = (Ak * Ay) @ wz
        else:   # a tiny: A is smooth on the scale s ~ sd; A(a z_k) at Gauss-Hermite z_k directly
            xi = np.arange(-math.ceil(L * s / du), math.ceil(L * s / du) + 1) * (du / s)
            wx = np.exp(-0.5 * xi * xi)
            wx /= wx.sum()
            x = a * gh_z[:, None] + s * xi[None, :]
            Az = np.array([np.broadcast_to(np.asarray(v, float), x.shape) @ wx for v in funcs(x)])
            Ay = Az if cc >= 0 else Az[:, ::-1]
            out[:, i] = (Az * Ay) @ gh_w
    return out


@dataclass(frozen=True)
class _Table:
    """Chebyshev interpolants in C on [lower, c0] of (C_a, C_a', <a'' a>) at variance c0."""

    series: tuple
    error: float


def _table(funcs, c0: float, lower: float, *, degree: int = 32, target: float = 1e-10, max_degree: int = 512):
    from numpy.polynomial import chebyshev as cheb

    history = []
    n = degree
    while True:
        k = np.arange(n)
        mid, half = 0.5 * (c0 + lower), 0.5 * (c0 - lower)
        nodes = mid + half * np.cos(np.pi * (k + 0.5) / n)
        checks = mid + half * np.cos(np.pi * (np.arange(0, n, max(1, n // 8)) + 1.0) / n)
        vals = two_point_on_grid(funcs, c0, np.concatenate([nodes, checks]))
        vals = np.array([vals[0], vals[1], 0.25 * (vals[2] - vals[3])])
        series, err = [], 0.0
        for v in vals:
            sfit = cheb.Chebyshev.fit(nodes, v[:n], n - 1, domain=[lower, c0])
            scale = max(float(np.max(np.abs(vals[0]))), float(np.max(np.abs(v))), 1e-300)
            err = max(err, float(np.max(np.abs(sfit(checks) - v[n:])) / scale))
            series.append(sfit)
        history.append(err)
        if err <= target:
            return _Table(tuple(series), err)
        if 2 * n > max_degree:
            raise ConvergenceError(f"Chebyshev tables not converged to {target:g} at degree {n}", residuals=history)
        n *= 2


def _tables(funcs, c0, c, hint=None):
    """(C_a(c), C_a'(c), <a'' a>(c), table error) at variance c0 for the covariances c.

    ``hint`` (a dict) remembers the last converged Chebyshev degree to start from it."""
    lower = max(-c0, min(0.0, float(np.min(c))) - 1e-3 * c0)
    start = 32 if hint is None else max(32, hint.get("degree", 32) // 2)
    tab = _table(funcs, c0, lower, degree=start)
    if hint is not None:
        hint["degree"] = len(tab.series[0].coef)
    cc = np.clip(c, lower, c0)
    return tab.series[0](cc), tab.series[1](cc), tab.series[2](cc), tab.error


@dataclass
class _Grid:
    n: int
    tau_max: float

    def __post_init__(self):
        self.dtau = 2 * self.tau_max / self.n
        self.tau = np.arange(self.n) * self.dtau
        self.omega2 = (2 * np.pi * np.fft.rfftfreq(self.n, d=self.dtau)) ** 2
        self.mirror = (-np.arange(self.n)) % self.n

    def green(self, a2):
        """FFT multiplier of (a2 - d^2)^{-1} on the periodic grid."""
        return 1.0 / (self.omega2 + a2)

    def apply(self, hat, v):
        return np.fft.irfft(hat * np.fft.rfft(v), self.n)

    def circulant(self, hat):
        return scipy.linalg.circulant(np.fft.irfft(hat, self.n))

    def even(self, v):
        return 0.5 * (v + v[self.mirror])


class _State:
    """Everything the residual, Jacobian and lambda_max need at one C_x."""

    def __init__(self, k: _Kernel, grid: _Grid, cx: np.ndarray):
        self.cx = cx
        dx = float(cx[0])
        if not dx > 0:
            raise ConvergenceError(f"variance C_x(0) = {dx:.3g} <= 0 (collapsed to the quiescent state)",
                                   residuals=[dx])
        self.tf, self.tdf, self.vf, ef = _tables(k.f_terms, dx, cx, k.hint_f)
        self.hat_r = k.c2_r * grid.green(k.gamma2_r)
        self.cr = grid.apply(self.hat_r, self.tf)
        dr = float(self.cr[0])
        self.tg, self.tdg, self.vg, eg = _tables(k.g_terms, dr, self.cr, k.hint_g)
        self.hat_h = k.c2_h * grid.green(k.gamma2_h)
        self.drive = grid.apply(self.hat_h, self.tg * self.tf)   # C_x = g^2 drive
        self.table_error = max(ef, eg)


def _jacobian_core(grid: _Grid, s: _State) -> np.ndarray:
    """d(drive)/d(C_x) as a dense matrix (Price + variance columns)."""
    n = grid.n
    dtf = np.diag(s.tdf)
    dtf[:, 0] += s.vf                                     # dC_f/dC_x
    gr = grid.circulant(s.hat_r)
    dcr = gr * s.tdf[None, :]                             # dC_r/dC_x (circulant times diag + column)
    dcr[:, 0] += gr @ s.vf
    dcg = s.tdg[:, None] * dcr                            # dC_g/dC_x (diag + column in C_r)
    dcg += np.outer(s.vg, dcr[0])
    inner = s.tg[:, None] * dtf + s.tf[:, None] * dcg
    assert inner.shape == (n, n)
    return np.fft.irfft(s.hat_h[:, None] * np.fft.rfft(inner, axis=0), n, axis=0)


def _newton(k: _Kernel, grid: _Grid, cx, *, g2=None, variance=None, tol=1e-11, max_iter=30):
    """Newton for C_x = g2 drive(C_x), either at fixed g2 or at fixed variance C_x(0) (g2 unknown)."""
    history = []
    cx = grid.even(np.asarray(cx, float).copy())
    if variance is not None:
        cx = cx * (variance / cx[0])
    s = _State(k, grid, cx)
    if variance is not None:
        g2 = float(cx[0] / s.drive[0])
    for it in range(max_iter):
        res = s.cx - g2 * s.drive
        r = float(np.max(np.abs(res)) / s.cx[0])
        history.append(r)
        if r <= tol:
            return s, g2, history
        jac = np.eye(grid.n) - g2 * _jacobian_core(grid, s)
        if variance is not None:
            jac[:, 0] = -s.drive                          # unknown g2 replaces C_x(0)
        step = np.linalg.solve(jac, res)
        t = 1.0
        while True:                                       # damped Newton (backtracking on the residual)
            trial = s.cx.copy()
            trial_g2 = g2
            if variance is not None:
                trial_g2 = g2 - t * step[0]
                trial[1:] -= t * step[1:]
            else:
                trial -= t * step
            trial = grid.even(trial)
            try:
                st = _State(k, grid, trial)
                rn = float(np.max(np.abs(trial - trial_g2 * st.drive)) / trial[0])
            except (ConvergenceError, ValueError):
                rn = math.inf
            if rn < r or t <= 1 / 64:
                break
            t *= 0.5
        if not math.isfinite(rn):
            raise ConvergenceError("output-gate DMFT Newton step left the domain", residuals=history)
        s, g2 = st, trial_g2
    raise ConvergenceError("output-gate DMFT (Newton) not converged", residuals=history)


def _tail_rate2(k: _Kernel, s: _State, g2: float) -> float:
    """k^2 = gamma2_h - g^2 c2_h C_g(0) C_{f'}(0) (x units): decay rate^2 of C_h at large lag."""
    i = len(s.cx) // 2
    return k.gamma2_h - g2 * k.c2_h * float(s.tg[i]) * float(s.tdf[i])


@dataclass(frozen=True)
class OutputGateDMFTResult:
    """Stationary DMFT with constant update gate and fluctuating output gate.

    Attributes
    ----------
    params : ModelParams
    delta_h, delta_r : float
        C_h(0), C_r(0).
    tau, c_h, c_r, c_phi, c_sigma_r : ndarray
        Lag grid (tau >= 0, up to the half period) and the correlations on it.
    tau_relax : float
        int_0^inf C_h / C_h(0) (trapezoid on the periodic grid).
    tau_tail : float
        1 / k, k^2 = s_z^2 - g_h^2 s_z^2 <sigma_r>^2 <phi'>^2 (linearised tail).
    lambda_max : float or None
        From the linearised two-replica DMFT (None if not computed).
    tolerances : dict
        Newton residual (relative, sup norm), table interpolation error, C_h at the half period
        relative to C_h(0), min/max of the power spectrum, lambda_max grid refinement change.
    """

    params: ModelParams
    delta_h: float
    delta_r: float
    tau: np.ndarray
    c_h: np.ndarray
    c_r: np.ndarray
    c_phi: np.ndarray
    c_sigma_r: np.ndarray
    tau_relax: float
    tau_tail: float
    lambda_max: float | None
    history: list = field(default_factory=list)
    tolerances: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"delta_h": self.delta_h, "delta_r": self.delta_r, "tau_relax": self.tau_relax,
                "tau_tail": self.tau_tail, "lambda_max": self.lambda_max, "chaotic": True,
                "corr": {"tau": self.tau.tolist(), "c_h": self.c_h.tolist(), "c_r": self.c_r.tolist(),
                         "c_phi": self.c_phi.tolist(), "c_sigma_r": self.c_sigma_r.tolist()},
                "n_iter": len(self.history), "tolerances": dict(self.tolerances)}


def _result(k, grid, s, g2, history, *, with_lambda=True, lambda_tol=1e-8) -> OutputGateDMFTResult:
    params = k.params.replace(g_h=math.sqrt(g2)) if abs(math.sqrt(g2) - k.params.g_h) > 0 else k.params
    spec = g2 * k.c2_h * np.fft.rfft(s.tg * s.tf).real * grid.green(k.gamma2_h)
    spec_min = float(np.min(spec) / np.max(spec))
    if spec_min < -1e-8:
        raise ConvergenceError(f"C_h has a negative power spectrum (min/max = {spec_min:.3g})", residuals=[spec_min])
    half = grid.n // 2
    ch = s.cx / g2
    k2 = _tail_rate2(k, s, g2)
    if k2 <= 0:
        raise ConvergenceError(f"tail rate^2 = {k2:.3g} <= 0: not a decaying solution", residuals=[k2])
    tau_relax = float((np.sum(ch[:half]) - 0.5 * ch[0]) * grid.dtau / ch[0])
    tol = {"newton": history[-1], "table": s.table_error, "tail": float(abs(ch[half]) / ch[0]),
           "spectrum_min": spec_min}
    lam = None
    if with_lambda:
        lam, dlam = _lambda_with_refinement(k, grid, s, g2, lambda_tol)
        tol["lambda_grid"] = dlam
    sl = slice(0, half + 1)
    return OutputGateDMFTResult(params, float(ch[0]), float(s.cr[0]), grid.tau[sl], ch[sl], s.cr[sl], s.tf[sl],
                                s.tg[sl], tau_relax, 1.0 / math.sqrt(k2), lam, list(history), tol)


# ---- lambda_max ------------------------------------------------------------------------------

def _perron(k: _Kernel, grid: _Grid, s: _State, g2: float, lam: float) -> float:
    """Largest eigenvalue of K(lambda) (positive operator: real and dominant)."""
    hat_h = k.c2_h / (grid.omega2 + (lam + math.sqrt(k.gamma2_h)) ** 2)
    hat_r = k.c2_r / (grid.omega2 + (lam + math.sqrt(k.gamma2_r)) ** 2)
    cdf = g2 * s.tdf                                       # C_{phi'} in h units
    a = s.tg * cdf
    b = s.tf * s.tdg

    def matvec(v):
        v = np.ravel(v)
        return grid.apply(hat_h, a * v + b * grid.apply(hat_r, cdf * v))

    op = scipy.sparse.linalg.LinearOperator((grid.n, grid.n), matvec=matvec, dtype=float)
    v0 = np.exp(-grid.tau) + np.exp(-(grid.tau[-1] + grid.dtau - grid.tau))
    vals = scipy.sparse.linalg.eigs(op, k=1, which="LM", v0=v0, tol=1e-13, maxiter=5000,
                                    return_eigenvectors=False)
    return float(vals[0].real)


def _lambda_on_grid(k, grid, s, g2) -> float:
    gmin = min(math.sqrt(k.gamma2_h), math.sqrt(k.gamma2_r))

    def f(lam):
        return _perron(k, grid, s, g2, lam) - 1.0

    lo, hi = -0.999 * gmin, 0.0
    if f(hi) > 0:
        lo, hi = 0.0, 0.1 * gmin
        while f(hi) > 0:
            lo, hi = hi, 2 * hi
    elif f(lo) < 0:
        raise ConvergenceError("lambda_max: no root of mu(lambda) = 1 above -min(gamma)")
    return float(brentq(f, lo, hi, xtol=1e-14, rtol=1e-13))


def _lambda_with_refinement(k, grid, s, g2, tol):
    """lambda_max on the solution grid and on a grid with twice the points (C_x interpolated by FFT)."""
    lam = _lambda_on_grid(k, grid, s, g2)
    fine = _Grid(2 * grid.n, grid.tau_max)
    st = _State(k, fine, _fft_refine(s.cx, fine.n))
    lam2 = _lambda_on_grid(k, fine, st, g2)
    return lam2, abs(lam2 - lam)


def _fft_refine(c, n_new):
    spec = np.fft.rfft(c)
    out = np.zeros(n_new // 2 + 1, complex)
    out[:spec.size] = spec
    if c.size % 2 == 0:
        out[spec.size - 1] *= 0.5
    return np.fft.irfft(out, n_new) * (n_new / c.size)


# ---- solvers ---------------------------------------------------------------------------------

def _guess(k: _Kernel, grid: _Grid, dx: float) -> np.ndarray:
    """C_x of the additive (SCS) solution with the same variance dx in x units, time scaled by s_z.

    The constant-gate problem in x = g h depends only on g_h s_r; its C_x(tau) at variance dx
    (gain found by Brent's method on the energy condition) is the shape used to start Newton.
    """
    from .dmft import energy_condition, solve_dmft

    def excess(g):
        return g * g * energy_condition(ModelParams.additive(g))[0] - dx

    hi = 1.5
    while excess(hi) < 0:
        hi *= 1.5
    lo = 1.0 + 1e-3
    g = lo if excess(lo) >= 0 else brentq(excess, lo, hi, xtol=1e-6)
    sol = solve_dmft(ModelParams.additive(g))
    t = np.minimum(grid.tau, 2 * grid.tau_max - grid.tau)
    return g * g * sol.c_h_at(math.sqrt(k.gamma2_h) * t)


def _default_grid(k: _Kernel, tau_max, n):
    gz = math.sqrt(k.gamma2_h)
    return _Grid(n, tau_max if tau_max is not None else 60.0 / gz)


def solve_at_variance(params: ModelParams, delta_x: float, *, guess=None, n: int = 1024, tau_max=None,
                      tol: float = 1e-11, with_lambda: bool = True):
    """Chaotic solution with prescribed variance C_x(0) = g_h^2 C_h(0) = delta_x; returns (g_h, result).

    Notes
    -----
    Unknowns (g_h^2, C_x(tau_j), j >= 1): Newton on C_x - g_h^2 drive(C_x) = 0 (module
    docstring), the column of C_x(0) replaced by d/d g_h^2 = -drive. ``guess`` is a C_x on the
    same grid (e.g. a neighbouring solution); default a sech^2 of width 2 / s_z.
    """
    k = _Kernel(params)
    grid = _default_grid(k, tau_max, n)
    cx0 = guess if guess is not None else _guess(k, grid, delta_x)
    s, g2, hist = _newton(k, grid, cx0, variance=delta_x, tol=tol)
    if g2 <= 0:
        raise ConvergenceError(f"g_h^2 = {g2:.3g} <= 0 at variance {delta_x}", residuals=hist)
    res = _result(k, grid, s, g2, hist, with_lambda=with_lambda)
    return math.sqrt(g2), res, s.cx


def _extend(cx: np.ndarray, grid: _Grid, tau_tail: float, n_new: int) -> tuple[np.ndarray, _Grid]:
    """C_x on a longer periodic grid with the same step: the old half, then its exponential tail."""
    new = _Grid(n_new, n_new * grid.dtau / 2)
    half = cx[:grid.n // 2 + 1]
    t = new.tau[:n_new // 2 + 1]
    tail = half[grid.n // 4] * np.exp(-(t - grid.tau[grid.n // 4]) / tau_tail)
    h = np.where(t <= grid.tau[grid.n // 4], np.interp(t, grid.tau[:grid.n // 2 + 1], half), tail)
    return np.concatenate([h, h[-2:0:-1]]), new


def variance_branch(params: ModelParams, deltas, *, n: int = 256, tau_max=None, with_lambda=False,
                    tail_tol: float = 1e-9, n_max: int = 1024):
    """g_h(D_x) along the chaotic branch for a sequence of variances (continuation).

    Returns a list of (delta_x, g_h, result, C_x, grid); the list ends where Newton fails or
    where C_h no longer decays within the largest grid (n_max points at the starting step: the
    tail time 1 / k grows as the branch approaches a continuous onset). The grid is doubled
    (same step, twice the period) whenever C_h at the half period exceeds ``tail_tol`` C_h(0).
    """
    k = _Kernel(params)
    grid = _default_grid(k, tau_max, n)
    out, guess = [], None
    for d in deltas:
        while True:
            try:
                g, res, cx = solve_at_variance(params, float(d), guess=guess, n=grid.n, tau_max=grid.tau_max,
                                               with_lambda=with_lambda)
            except ConvergenceError:
                return out
            if res.tolerances["tail"] <= tail_tol:
                break
            if 2 * grid.n > n_max:
                return out
            guess, grid = _extend(cx, grid, res.tau_tail, 2 * grid.n)
        out.append((float(d), g, res, cx, grid))
        guess = cx
    return out


def solve_dmft_output_gate(params: ModelParams, *, n: int = 512, tau_max=None, tol: float = 1e-11,
                           with_lambda: bool = True, tail_tol: float = 1e-9,
                           n_max: int = 4096) -> OutputGateDMFTResult:
    """Stationary chaotic DMFT at the g_h of ``params`` (alpha_z = 0, any alpha_r, beta_r, tau_r).

    Parameters
    ----------
    params : ModelParams
        Gated, alpha_z = 0, beta_h = 0, zero inputs.
    n : int
        Points of the starting periodic lag grid (period 2 tau_max).
    tau_max : float, optional
        Starting half period (default 60 / s_z). The grid is extended (same step, doubled period)
        until C_h at the half period is below ``tail_tol`` C_h(0), up to ``n_max`` points.

    Notes
    -----
    Newton at fixed g_h (module docstring), started from the constant-gate shape with the same
    effective gain g_h s_r (exact for alpha_r = 0) and, if that fails, from a continuation along
    the branch parametrised by its variance (from D_x = 1 down, or up, until g_h(D) crosses the
    requested gain: the upper, large-variance solution; walking down past the fold, where g_h(D)
    turns up again, without crossing means g_h is below the onset). The power spectrum of C_h must be >= 0
    (else ConvergenceError); lambda_max from the two-replica operator on the final grid and on a
    grid with half the step (``tolerances["lambda_grid"]``).

    Raises
    ------
    NoChaoticSolution
        if no chaotic solution is found at this g_h (below the onset).
    ConvergenceError
        if C_h has not decayed within ``n_max`` points or the solution is unphysical.
    """
    k = _Kernel(params)
    grid = _default_grid(k, tau_max, n)
    g2 = params.g_h ** 2
    s = hist = None
    for attempt in _starts(params, k, grid):
        try:
            s, _, hist = _newton(k, grid, attempt, g2=g2, tol=tol)
            break
        except ConvergenceError:
            continue
    if s is None:
        raise NoChaoticSolution(f"no chaotic output-gate DMFT solution found at g_h = {params.g_h:g}")
    while True:
        res = _result(k, grid, s, g2, hist, with_lambda=False)
        if res.tolerances["tail"] <= tail_tol:
            break
        if 2 * grid.n > n_max:
            raise ConvergenceError(f"C_h has not decayed within {grid.n} lag points "
                                   f"(C_h(tau_max) / C_h(0) = {res.tolerances['tail']:.3g})",
                                   residuals=hist)
        cx, grid = _extend(s.cx, grid, res.tau_tail, 2 * grid.n)
        s, _, hist = _newton(k, grid, cx, g2=g2, tol=tol)
    return _result(k, grid, s, g2, hist, with_lambda=with_lambda)


def _starts(params, k, grid):
    """Initial guesses for the fixed-g Newton: the constant-gate shape at gain g_h s_r, then a
    continuation along the variance branch."""
    from .dmft import energy_condition

    s_r = float(k.fn(0.0, 0.0, **k.kw)[3])
    g_eff = params.g_h * s_r
    if g_eff > 1.0 + 1e-3:
        yield _guess(k, grid, g_eff ** 2 * energy_condition(ModelParams.additive(g_eff))[0] / s_r ** 2)
    g_target = params.g_h
    d, guess, prev, above0 = 1.0, None, None, None
    for _ in range(30):
        try:
            g, res, cx = solve_at_variance(params, d, guess=guess, n=grid.n, tau_max=grid.tau_max,
                                           with_lambda=False)
        except ConvergenceError:
            return
        if above0 is None:                  # walk down the branch if g_h(D) is too large, else up
            above0 = g > g_target
        if above0 and prev is not None and g > prev[0]:
            return                          # past the fold (minimum of g_h(D)) without reaching g_target
        if (g > g_target) != above0:
            if prev is not None:            # interpolate between the two points around the crossing
                gp, cxp = prev
                w = (g_target - g) / (gp - g) if gp != g else 0.0
                yield (1 - w) * cx + w * cxp
            yield cx
            return
        prev, guess = (g, cx), cx
        d *= 0.5 if above0 else 2.0
        if d < 1e-4 or d > 1e3:
            return


# ---- onset -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ChaosOnset:
    """Where the chaotic DMFT branch appears (alpha_z = 0).

    g_chaos : float
        min over the branch of g_h(D_x); equals 1 / s_r (continuous onset) when g_h(D_x) decreases
        monotonically to D_x -> 0.
    discontinuous : bool
        The branch appears at a fold at finite variance with lambda_max > 0 there.
    delta_h : float
        C_h(0) at the onset (0 for a continuous onset).
    lambda_max : float or None
        lambda_max at the fold.
    """

    g_chaos: float
    discontinuous: bool
    delta_h: float
    lambda_max: float | None
    branch: list = field(default_factory=list, repr=False)


def chaos_onset(params: ModelParams, *, n: int = 256, tau_max=None, d_max: float = 1.0, d_min: float = 1e-3,
                n_scan: int = 16, xtol: float = 1e-3, tail_tol: float = 1e-6, n_max: int = 2048) -> ChaosOnset:
    """Locate the fold of the chaotic branch in g_h (alpha_z = 0, any alpha_r, beta_r, tau_r).

    Notes
    -----
    The branch is parametrised by its variance D_x = g_h^2 C_h(0) (Newton with g_h^2 unknown,
    :func:`solve_at_variance`), continued (:func:`variance_branch`, lag grid extended while C_h
    has not decayed) from D_x = ``d_max`` down to ``d_min`` on ``n_scan`` geometric steps;
    g_chaos = min_D g_h(D). An interior minimum is a fold (saddle-node of the DMFT): it is
    refined by Brent's bounded minimisation in log D_x to ``xtol`` (g_h is quadratic there:
    error ~ xtol^2), and ``discontinuous`` = (lambda_max > 0 there). If g_h(D) still decreases
    at the smallest D reached (C_h decays within ``n_max`` lag points to ``tail_tol``) and its
    quadratic extrapolation to D = 0 through the last three points is 1 / s_r (within 3 times its
    difference from the linear extrapolation through the last two, or 1e-3 relative), the branch
    ends at D -> 0: continuous onset at
    g_h s_r = 1 (small amplitude: C_r -> 0, C_g -> s_r^2), g_chaos = 1 / s_r, discontinuous =
    False. A fold at D_x below the smallest variance reached is not resolved (its g_h differs
    from 1 / s_r by less than the extrapolation test); otherwise ConvergenceError.
    """
    k = _Kernel(params)
    s_r = float(k.fn(0.0, 0.0, **k.kw)[3])
    ds = np.geomspace(d_max, d_min, n_scan)
    branch = variance_branch(params, ds, n=n, tau_max=tau_max, tail_tol=tail_tol, n_max=n_max)
    if len(branch) < 3:
        raise ConvergenceError("chaotic branch: continuation failed near its start",
                               residuals=[b[1] for b in branch])
    gs = np.array([b[1] for b in branch])
    i = int(np.argmin(gs))
    if i == 0:
        raise ConvergenceError("chaotic branch: g_h(D) increases toward small D from d_max (raise d_max)",
                               residuals=list(gs))
    if i == len(branch) - 1:
        # g_h(D) decreases down to the last point reached: continuous onset if it extrapolates
        # to 1 / s_r (quadratic fit in D through the last three points)
        d3 = np.array([b_[0] for b_ in branch[-3:]])
        g0 = float(np.polyval(np.polyfit(d3, gs[-3:], 2), 0.0))
        g_lin = float(np.polyval(np.polyfit(d3[1:], gs[-2:], 1), 0.0))
        if abs(g0 - 1.0 / s_r) > max(3.0 * abs(g0 - g_lin), 1e-3 / s_r):
            raise ConvergenceError(
                f"chaotic branch: g_h(D) still decreasing at D_x = {branch[-1][0]:.3g} (g_h = {gs[-1]:.6g}) "
                f"and extrapolating to {g0:.6g}, not 1 / s_r = {1 / s_r:.6g}: onset not located",
                residuals=list(gs))
        return ChaosOnset(1.0 / s_r, False, 0.0, 0.0, branch)
    # golden section in log D between the neighbours of the grid minimum
    lo, hi = math.log(branch[i + 1][0]), math.log(branch[i - 1][0])
    cache = {}

    def g_of(logd):
        if logd not in cache:
            d = math.exp(logd)
            j = int(np.argmin([abs(math.log(b[0]) - logd) for b in branch]))
            bj = branch[j]
            g, res, cx = solve_at_variance(params, d, guess=bj[3] * (d / bj[3][0]), n=bj[4].n,
                                           tau_max=bj[4].tau_max, with_lambda=False)
            cache[logd] = (g, res, cx, bj[4])
        return cache[logd][0]

    import scipy.optimize

    opt = scipy.optimize.minimize_scalar(g_of, bounds=(lo, hi), method="bounded", options={"xatol": xtol})
    logd = float(opt.x)
    g_fold = g_of(logd)
    _, res, _ = solve_at_variance(params, math.exp(logd), guess=cache[logd][2], n=cache[logd][3].n,
                                  tau_max=cache[logd][3].tau_max, with_lambda=True)
    return ChaosOnset(g_fold, bool(res.lambda_max > 0), res.delta_h, res.lambda_max, branch)
