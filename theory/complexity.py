"""Topological complexity: Kac-Rice lower bound on (1/N) log E[#fixed points] and direct counts.

Notes
-----
Fixed points are the zeros of the field-space map G_k(eta) = -eta_k + J^k s_k(x*(eta))
(derivations/complexity.py; the update-gate channel z drops out). Its Jacobian is
M = -I + blockdiag(J^k) [T], with the generated per-unit factors T_kl (``kac_rice_factors``;
gated model: T_hh = s_r phi', T_hr = phi s_r', T_rh = phi', T_rr = 0, so by the Schur complement
|det M| = |det(-I + Jh([T_hh] + [T_hr] Jr [T_rh]))|).

Kac-Rice, E[#] = int d eta p(eta) E[|det M| | G = 0], evaluated at exponential order with two
approximations that are stated wherever a number is reported:

1. the conditioning on G = 0 (a rank-one change of each J^k) is neglected;
2. E|det M| >= exp(E log|det M|) (Jensen), so the log-potential Phi = (1/N) E log|det M| gives a
   lower bound.

Over the empirical law mu of the fields, (1/N) log E[#] >= sup_mu { S[mu] + <log p_unit>_mu
+ Phi[mu] }. Gibbs' inequality gives S + <log p_unit> = -KL(mu || prod_k N(0, Q_k(mu))) <= 0 with
equality exactly on the static mean-field branches (D_k = Q_k), where Phi is evaluated here:

    Sigma_G = max(0, max over nonzero static branches of Phi(branch))

(0: the zero fixed point, or branches with no positive log-potential). Sigma_G is a lower bound on
the annealed complexity of the approximations above. The sup itself tilts mu by
psi = delta Phi / delta mu: at the hermitised saddle (eta -> 0, self-energies mu_k, nu_k)

    Phi = < psi > - (1/2) sum_k mu_k nu_k,    psi(eta) = (1/2) log det(I + diag(mu) T^T diag(nu) T),

stationary in (mu_k, nu_k), so delta Phi / delta mu = psi; :func:`tilted_complexity` iterates
mu(eta) ∝ exp(-sum_k eta_k^2/(2 Q_k) + lam_k s_k^2 + psi) from each branch to a stationary point
(the value reported as ``sigma``; a local stationary point, not proven to be the global sup;
sigma >= Sigma_G is checked in the tests and notebook 11).

Phi by hermitisation at lambda = 0: with X = M (K N x K N, N units),

    P(eta) = (1/2N) log det(X X^T + eta^2),  P'(eta) = f(eta) = eta (1/N) tr (X X^T + eta^2)^{-1},
    Phi = P(0) = (K/2) log c - int_0^inf [f(eta) - K eta / (eta^2 + c)] deta,
    c = (1/(K N)) E tr(X X^T) = (K + <sum_kl T_kl^2>) / K,

(P(eta) - (K/2) log(eta^2 + c) = O(eta^-4)). At lambda = 0 the self-consistent hermitised
resolvent (theory/spectral_curve.py, with L = -1, A = 1, B = T) is purely imaginary, m_k = -i mu_k,
n_k = -i nu_k, and reduces to real K x K matrices per unit:

    a = diag(eta + mu),  b = eta + T^T diag(nu) T,
    mu_k = < (T (b + a^{-1})^{-1} T^T)_kk >,  nu_k = < ((a + b^{-1})^{-1})_kk >,
    f(eta) = < tr (a + b^{-1})^{-1} >.

Outside the bulk (F(0) < 1) mu = nu = 0 at eta -> 0 and Phi = (1/N) log|det(-I)| = 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ._generated import kwargs_for, load
from .errors import ConvergenceError
from .gates import dphi_from_phi, dsigmoid, phi, sigmoid
from .network import GatedNetwork
from .params import ModelParams
from .progress import progress_bar
from .static_mft import solve_static

#: Standard-normal trapezoid half-width and node counts of the field quadrature (h, r).
Z_MAX = 9.0
N_NODES = (81, 161)
#: eta range of the log-potential integral (log-spaced) and its number of points.
ETA_RANGE = (1e-8, 1e2)
N_ETA = 81
#: Depth of the Anderson mixing of the tilted-law iteration.
ANDERSON_DEPTH = 6
#: Grid of the tilted law (eta_h uniform, eta_r sinh-stretched with this factor).
TILT_GRID = (121, 201)
R_STRETCH = 3.0


def _check_params(params: ModelParams) -> None:
    if not isinstance(params, ModelParams):
        raise ValueError(f"params must be a ModelParams, got {type(params).__name__}")
    if params.has_time_dependent_input:
        raise ValueError("fixed points need time-independent inputs")
    for name in ("I_h", "I_z", "I_r"):
        if np.ndim(getattr(params, name)) > 0:
            raise ValueError(f"{name} must be a scalar for the mean-field complexity")


def _gen(params: ModelParams):
    return load("gated" if params.is_gated else "additive")


def unit_factors(params: ModelParams, eta_h, eta_r=None):
    """Per-unit Kac-Rice factor matrices T (shape (..., K, K)) and sends s (shape (..., K)).

    Notes
    -----
    Generated ``kac_rice_factors`` (derivations/complexity.py): gated K = 2 (channels h, r),
    T = [[s_r phi', phi s_r'], [phi', 0]], s = (s_r phi, phi); additive K = 1, T = [[phi']], s = (phi,).
    """
    gen = _gen(params)
    eta_h = np.asarray(eta_h, dtype=float)
    if params.is_gated:
        eta_r = np.zeros_like(eta_h) if eta_r is None else np.asarray(eta_r, dtype=float)
        Thh, Thr, Trh, _, s_h, s_r = gen.kac_rice_factors(eta_h, 0.0, eta_r, **kwargs_for(gen.kac_rice_factors, params))
        shape = np.broadcast_shapes(eta_h.shape, eta_r.shape)
        T = np.zeros(shape + (2, 2))
        T[..., 0, 0], T[..., 0, 1], T[..., 1, 0] = Thh, Thr, Trh
        return T, np.stack(np.broadcast_arrays(s_h, s_r), axis=-1)
    Thh, _, s_h = gen.kac_rice_factors(eta_h, **kwargs_for(gen.kac_rice_factors, params))
    return np.asarray(Thh)[..., None, None], np.asarray(s_h)[..., None]


def _variances(params: ModelParams, branch) -> tuple[float, float]:
    """(D_h, D_r) of a static branch (theory.static_mft.Branch), a mapping or a pair."""
    if hasattr(branch, "delta_h"):
        D_h, D_r = float(branch.delta_h), float(branch.q)
    elif isinstance(branch, dict):
        D_h, D_r = float(branch["D_h"]), float(branch.get("D_r", branch["D_h"]))
    else:
        D_h, D_r = (float(v) for v in branch)
    for name, v in (("D_h", D_h), ("D_r", D_r)):
        if not (math.isfinite(v) and v >= 0):
            raise ValueError(f"{name} must be finite and >= 0, got {v!r}")
    if D_h == 0:
        raise ValueError("D_h = 0 is the zero fixed point (a single point, complexity 0)")
    return D_h, D_r


def _field_grid(params: ModelParams, D_h: float, D_r: float, n_nodes=N_NODES):
    """Trapezoid nodes in the standard-normal variables over [-Z_MAX, Z_MAX] (robust for tanh at
    large variance and for near-step gates); the r axis collapses when T does not depend on r."""
    n_h, n_r = n_nodes
    x = np.linspace(-Z_MAX, Z_MAX, int(n_h))
    wx = np.exp(-x**2 / 2)
    wx /= wx.sum()
    if params.is_gated and params.alpha_r != 0 and D_r > 0:
        y = np.linspace(-Z_MAX, Z_MAX, int(n_r))
        wy = np.exp(-y**2 / 2)
        wy /= wy.sum()
    else:
        y, wy = np.zeros(1), np.ones(1)
    eh = math.sqrt(D_h) * x[:, None] + 0.0 * y[None, :]
    er = math.sqrt(D_r) * y[None, :] + 0.0 * x[:, None]
    w = (wx[:, None] * wy[None, :]).ravel()
    T, s = unit_factors(params, eh.ravel(), er.ravel() if params.is_gated else None)
    return w, T, s


@dataclass
class LogPotential:
    """Phi = (1/N) E log|det M| at a static branch, from the hermitised resolvent at lambda = 0.

    ``f0`` is f(eta_min) (> 0 iff lambda = 0 lies in the bulk), ``self_energies`` (mu, nu) at
    eta_min, ``iterations`` the total number of resolvent iterations, ``frobenius`` = c."""

    phi: float
    f0: float
    self_energies: np.ndarray
    iterations: int
    frobenius: float
    eta: np.ndarray = field(repr=False)
    f: np.ndarray = field(repr=False)


def _solve_self_energies(fmap, x0, tol, max_iter):
    """Fixed point x = fmap(x) (x >= 0) by Powell's hybrid method from the warm start x0."""
    from scipy.optimize import root

    sol = root(lambda v: fmap(v) - v, x0, method="hybr", options={"xtol": tol, "maxfev": max_iter})
    x = np.maximum(sol.x, 0.0)
    res = float(np.max(np.abs(fmap(x) - x)))
    if not (sol.success or res <= tol * max(1.0, float(np.max(x)))) or not np.all(np.isfinite(x)):
        raise ConvergenceError(f"log_potential: self-energies did not converge ({sol.message})", [res])
    return x, int(sol.nfev)


def _resolvent_k1(w, T):
    """Self-energy map and f(eta) for K = 1 (additive): a = eta + mu, b = eta + nu t^2."""
    t2 = T[:, 0, 0] ** 2

    def resolvent(x, eta):
        mu, nu = max(x[0], 0.0), max(x[1], 0.0)
        a, b = eta + mu, eta + nu * t2
        g11 = b / (a * b + 1.0)  # (a + 1/b)^-1
        g22 = a / (a * b + 1.0)  # (b + 1/a)^-1
        return np.array([w @ (t2 * g22), w @ g11]), float(w @ g11)

    return resolvent


def _resolvent_k2(w, T):
    """Self-energy map and f(eta) for K = 2, T = [[t1, t2], [t3, 0]], with explicit 2 x 2 algebra:
    b = eta + T^T diag(nu) T, G11 = (diag(a) + b^-1)^-1, G22 = (b + diag(1/a))^-1."""
    t1, t2, t3 = T[:, 0, 0], T[:, 0, 1], T[:, 1, 0]
    if np.any(T[:, 1, 1] != 0):
        raise ValueError("the K = 2 resolvent assumes T_rr = 0")
    t1s, t2s, t3s, t12 = t1**2, t2**2, t3**2, t1 * t2

    def resolvent(x, eta):
        mu1, mu2, nu1, nu2 = np.maximum(x, 0.0)
        a1, a2 = eta + mu1, eta + mu2
        b11, b12, b22 = eta + nu1 * t1s + nu2 * t3s, nu1 * t12, eta + nu1 * t2s
        db = b11 * b22 - b12**2
        p11, p22, p12 = a1 + b22 / db, a2 + b11 / db, -b12 / db  # diag(a) + b^-1
        dp = p11 * p22 - p12**2
        g11_11, g11_22 = p22 / dp, p11 / dp
        r11, r22 = b11 + 1.0 / a1, b22 + 1.0 / a2  # b + diag(1/a)
        dr = r11 * r22 - b12**2
        q11, q12, q22 = r22 / dr, -b12 / dr, r11 / dr
        new = np.array([w @ (t1s * q11 + 2 * t12 * q12 + t2s * q22), w @ (t3s * q11),
                        w @ g11_11, w @ g11_22])
        return new, float(w @ (g11_11 + g11_22))

    return resolvent


def log_potential(params: ModelParams, branch, *, n_nodes=N_NODES, eta_range=ETA_RANGE, n_eta: int = N_ETA,
                  tol: float = 1e-12, max_iter: int = 2000) -> LogPotential:
    """(1/N) E log|det M| of the Kac-Rice Jacobian at a static branch (N -> infinity).

    Parameters
    ----------
    params : ModelParams
    branch : theory.static_mft.Branch, or (D_h, D_r)
        Field variances (D_r = q = <phi^2>; ignored by the additive model).
    n_nodes : (int, int)
        Trapezoid nodes for the h and r fields.
    eta_range, n_eta : log-spaced eta grid of the integral (Simpson in log eta).
    tol, max_iter : control of the self-energy solve at each eta (scipy root, hybr; ConvergenceError).

    Notes
    -----
    Phi = (K/2) log c - int_0^inf [f(eta) - K eta/(eta^2 + c)] d eta with f and c as in the module
    Notes; the self-energies are solved from large eta down, warm-started. The part of the integral below
    eta_min is f(eta_min) eta_min.
    """
    _check_params(params)
    D_h, D_r = _variances(params, branch)
    if not (isinstance(n_eta, (int, np.integer)) and n_eta >= 9 and n_eta % 2 == 1):
        raise ValueError(f"n_eta must be an odd integer >= 9, got {n_eta!r}")
    w, T, _ = _field_grid(params, D_h, D_r, n_nodes)
    K = T.shape[-1]
    c = (K + float(w @ np.sum(T**2, axis=(-1, -2)))) / K
    resolvent = _resolvent_k2(w, T) if K == 2 else _resolvent_k1(w, T)
    etas = np.geomspace(eta_range[1], eta_range[0], n_eta)
    x = np.zeros(2 * K)
    f = np.empty(n_eta)
    total = 0
    for j, eta in enumerate(etas):
        x, n_eval = _solve_self_energies(lambda v, e=eta: resolvent(v, e)[0], x, tol, max_iter)
        total += n_eval
        f[j] = resolvent(x, eta)[1]
    t = np.log(etas[::-1])
    g = (f[::-1] - K * etas[::-1] / (etas[::-1] ** 2 + c)) * etas[::-1]  # integrand in t = log eta
    h = t[1] - t[0]
    simpson = h / 3 * (g[0] + g[-1] + 4 * g[1:-1:2].sum() + 2 * g[2:-1:2].sum())
    integral = simpson + f[-1] * etas[-1]
    value = 0.5 * K * math.log(c) - integral
    return LogPotential(float(value), float(f[-1]), x, total, c, etas, f)


# ---- saddle at eta = 0, per-unit free energy, and the tilted supremum -------------------------
def _saddle_map0(T):
    """Self-energy map at eta = 0 and the per-unit log-det psi, K = 1 or K = 2 (T_rr = 0).

    Notes
    -----
    With a = diag(mu), b = T^T diag(nu) T: G11 = (I + b a)^-1 b, G22 = (I + a b)^-1 a (the eta -> 0
    limits of the module-Notes blocks), mu_k = <(T G22 T^T)_kk>, nu_k = <G11_kk>, and the per-unit
    contribution psi = (1/2) log det(I + a b).
    """
    K = T.shape[-1]
    if K == 1:
        t2 = T[:, 0, 0] ** 2

        def fmap(mu, nu, w):
            d = 1.0 + mu[0] * nu[0] * t2
            return np.array([w @ (t2 * mu[0] / d)]), np.array([w @ (nu[0] * t2 / d)]), 0.5 * np.log(d)

        return fmap
    t1, t2, t3 = T[:, 0, 0], T[:, 0, 1], T[:, 1, 0]
    t1s, t2s, t3s, t12 = t1**2, t2**2, t3**2, t1 * t2

    def fmap(mu, nu, w):
        a1, a2 = mu
        b11, b12, b22 = nu[0] * t1s + nu[1] * t3s, nu[0] * t12, nu[0] * t2s
        db = b11 * b22 - b12**2
        det = (1 + a1 * b11) * (1 + a2 * b22) - a1 * a2 * b12**2
        q11, q12, q22 = (1 + a2 * b22) * a1 / det, -a1 * a2 * b12 / det, (1 + a1 * b11) * a2 / det
        new_mu = np.array([w @ (t1s * q11 + 2 * t12 * q12 + t2s * q22), w @ (t3s * q11)])
        new_nu = np.array([w @ ((b11 + a2 * db) / det), w @ ((b22 + a1 * db) / det)])
        return new_mu, new_nu, 0.5 * np.log(det)

    return fmap


def _solve_saddle0(fmap, w, K, start):
    """Nontrivial saddle at eta = 0 in the gauge mu_1 = 1 (mu -> c mu, nu -> nu / c is a symmetry);
    None if only the trivial one exists (lambda = 0 outside the bulk)."""
    from scipy.optimize import least_squares

    def resid(y):
        mu, nu = np.concatenate([[1.0], y[: K - 1]]), y[K - 1:]
        m2, n2, _ = fmap(mu, nu, w)
        return np.concatenate([m2 - mu, n2 - nu])

    sol = least_squares(resid, start, bounds=(0.0, np.inf), xtol=1e-15, ftol=1e-15, gtol=1e-15)
    if not sol.success or np.max(np.abs(sol.fun)) > 1e-9:
        return None
    y = sol.x
    return np.concatenate([[1.0], y[: K - 1]]), y[K - 1:]


def log_potential_saddle(params: ModelParams, branch, *, n_nodes=N_NODES) -> float:
    """Phi from the saddle-point free energy at eta = 0 (independent of :func:`log_potential`).

    Notes
    -----
    Phi = (1/2)[ <log det(I + diag(mu) T^T diag(nu) T)> - sum_k mu_k nu_k ] at the nontrivial
    saddle (mu, nu) of :func:`_saddle_map0` (stationary in mu, nu: the self-consistency equations);
    0 if there is none (lambda = 0 outside the bulk).
    """
    _check_params(params)
    D_h, D_r = _variances(params, branch)
    w, T, _ = _field_grid(params, D_h, D_r, n_nodes)
    K = T.shape[-1]
    fmap = _saddle_map0(T)
    sad = _solve_saddle0(fmap, w, K, np.ones(2 * K - 1))
    if sad is None:
        return 0.0
    mu, nu = sad
    return float(w @ fmap(mu, nu, w)[2] - 0.5 * mu @ nu)


@dataclass
class TiltedComplexity:
    """Stationary point of sup_mu {S[mu] + <log p_unit>_mu + Phi[mu]} reached from a static branch.

    ``sigma`` is the value there, ``sigma_gaussian`` the value at the start (the branch, = Phi),
    ``phi`` the log-potential Phi of the final law (on its grid nodes),
    ``Q`` the send variances, ``lam`` the multipliers (<eta_k^2> - Q_k)/(2 Q_k^2), ``density`` the
    law on the grid (``grid`` = (eta_h, eta_r) node arrays), ``history`` sigma per iteration."""

    sigma: float
    sigma_gaussian: float
    phi: float
    Q: np.ndarray
    lam: np.ndarray
    iterations: int
    change: float
    density: np.ndarray = field(repr=False)
    grid: tuple = field(repr=False)
    history: list = field(repr=False, default_factory=list)


def tilted_complexity(params: ModelParams, branch, *, n_grid=TILT_GRID, width: float = 10.0,
                      damping: float = 0.9, tol: float = 1e-8, max_iter: int = 3000) -> TiltedComplexity:
    """Iterate the empirical field law to the stationary point of the Kac-Rice exponent.

    Parameters
    ----------
    params : ModelParams
    branch : static branch (start: its Gaussian law) or (D_h, D_r)
    n_grid : (int, int)
        Grid points in eta_h (uniform) and eta_r (sinh-stretched toward 0 by R_STRETCH; collapsed
        when T does not depend on r).
    width : float
        Half-width of the grid in units of sqrt(D) of the branch.
    damping, tol, max_iter : iteration of log mu (Anderson mixing, damped plain step as fallback);
        ConvergenceError if the largest change of log mu (where mu > 1e-12 max) stays above tol.

    Notes
    -----
    Stationarity of S[mu] + sum_k(-<eta_k^2>/(2 Q_k) - log(2 pi Q_k)/2) + Phi[mu], Q_k = <s_k^2>_mu:

        mu(eta) ∝ exp( -sum_k eta_k^2/(2 Q_k) + sum_k lam_k s_k(eta)^2 + psi(eta) ),
        lam_k = (<eta_k^2> - Q_k)/(2 Q_k^2),  psi = (1/2) log det(I + diag(mu_se) T^T diag(nu_se) T)

    (psi = delta Phi / delta mu by stationarity of the saddle (mu_se, nu_se) of the hermitised
    free energy). The value is a stationary point reached from the branch (approximations of the
    module Notes: conditioning neglected, Jensen); not proven to be the global sup.
    """
    _check_params(params)
    D_h, D_r = _variances(params, branch)
    n_h, n_r = n_grid
    xh = np.linspace(-width, width, int(n_h)) * math.sqrt(D_h)
    gated_r = params.is_gated and params.alpha_r != 0 and D_r > 0
    if gated_r:  # sinh-stretched: dense near r = 0 where a steep output gate switches
        u = np.linspace(-1.0, 1.0, int(n_r))
        xr = width * math.sqrt(D_r) * np.sinh(R_STRETCH * u) / math.sinh(R_STRETCH)
        dr = width * math.sqrt(D_r) * R_STRETCH * np.cosh(R_STRETCH * u) / math.sinh(R_STRETCH) * (u[1] - u[0])
    else:
        xr, dr = np.zeros(1), np.ones(1)
    EH, ER = np.meshgrid(xh, xr, indexing="ij")
    eh, er = EH.ravel(), ER.ravel()
    log_cell = np.log((xh[1] - xh[0]) * np.broadcast_to(dr[None, :], EH.shape).ravel())
    T, s = unit_factors(params, eh, er if params.is_gated else None)
    K = T.shape[-1]
    x2 = np.stack([eh**2, er**2], axis=1)[:, :K]
    # start: the branch Gaussian (log of node probabilities = log density + log cell)
    logp = -eh**2 / (2 * D_h) - (er**2 / (2 * D_r) if gated_r else 0.0) + log_cell
    fmap = _saddle_map0(T)
    start = np.ones(2 * K - 1)
    history, change, xs, gs = [], np.inf, [], []
    for it in range(1, max_iter + 1):
        p = np.exp(logp - logp.max())
        p /= p.sum()
        Q = p @ s**2
        m2 = p @ x2
        lam = (m2 - Q) / (2 * Q**2)
        sad = _solve_saddle0(fmap, p, K, start)
        if sad is None:
            psi, phi_val = np.zeros_like(eh), 0.0
        else:
            mu, nu = sad
            start = np.concatenate([mu[1:], nu])
            psi = fmap(mu, nu, p)[2]
            phi_val = float(p @ psi - 0.5 * mu @ nu)
        entropy = -float(p @ (np.log(np.maximum(p, 1e-300)) - log_cell))
        if not gated_r and K == 2:  # r collapsed: its Gaussian entropy cancels its density term exactly
            dens = -m2[0] / (2 * Q[0]) - 0.5 * math.log(2 * math.pi * Q[0])
        else:
            dens = float(np.sum(-m2 / (2 * Q) - 0.5 * np.log(2 * math.pi * Q)))
        history.append(entropy + dens + phi_val)
        if not gated_r and K == 2:
            new = -eh**2 / (2 * Q[0]) + s[:, 0] ** 2 * lam[0] + psi + log_cell
        else:
            new = -(x2 / (2 * Q)) @ np.ones(K) + (s**2) @ lam + psi + log_cell
        new -= _logsumexp(new)
        cur = logp - _logsumexp(logp)
        mask = p > 1e-12 * p.max()
        res = new - cur
        change = float(np.max(np.abs(res[mask])))
        if change < tol:
            break
        # Anderson mixing (depth ANDERSON_DEPTH) on the normalised log-density, residuals weighted
        # by sqrt(p) so that the bulk of the law decides; plain damped step as fallback
        xs.append(cur)
        gs.append(new)
        xs, gs = xs[-ANDERSON_DEPTH - 1:], gs[-ANDERSON_DEPTH - 1:]
        step = damping * new + (1 - damping) * cur
        if len(xs) > 1:
            sw = np.sqrt(p)
            R = np.array([g - x for g, x in zip(gs, xs)])
            dR = np.diff(R, axis=0) * sw
            dG = np.diff(np.array(gs), axis=0)
            gamma = np.linalg.lstsq(dR.T, res * sw, rcond=None)[0]
            acc = new - gamma @ dG
            if np.all(np.isfinite(acc)):
                step = acc
        logp = step
    else:
        raise ConvergenceError(f"tilted_complexity: change {change:.2g} after {max_iter} iterations", history[-5:])
    return TiltedComplexity(history[-1], history[0], phi_val, Q, lam, it, change, p.reshape(EH.shape), (xh, xr), history)


def _logsumexp(v):
    m = v.max()
    return m + math.log(np.exp(v - m).sum())


# ---- random-matrix check ---------------------------------------------------------------------
def sampled_log_det(params: ModelParams, branch, n: int, seed: int = 0) -> float:
    """(1/N) log|det M| of one sampled Kac-Rice Jacobian with fields drawn from the branch law.

    Parameters
    ----------
    branch : static branch or (D_h, D_r): Gaussian fields; or a :class:`TiltedComplexity`: fields
        drawn from its law (its grid nodes with their probabilities, the law whose ``phi`` it holds).

    Notes
    -----
    eta_h ~ N(0, D_h), eta_r ~ N(0, D_r) iid over units, T from ``kac_rice_factors``, couplings
    iid N(0, 1/N); gated: |det M| = |det(-I + Jh([T_hh] + [T_hr] Jr [T_rh]))| (Schur, N x N).
    """
    _check_params(params)
    if not (isinstance(n, (int, np.integer)) and n >= 2):
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 61]))
    if isinstance(branch, TiltedComplexity):
        xh, xr = branch.grid
        idx = rng.choice(branch.density.size, size=n, p=branch.density.ravel() / branch.density.sum())
        ih, ir = np.unravel_index(idx, branch.density.shape)
        eh, er = xh[ih], xr[ir]
    else:
        D_h, D_r = _variances(params, branch)
        eh = math.sqrt(D_h) * rng.standard_normal(n)
        er = math.sqrt(D_r) * rng.standard_normal(n)
    T, _ = unit_factors(params, eh, er if params.is_gated else None)
    Jh = rng.standard_normal((n, n)) / math.sqrt(n)
    if params.is_gated:
        Jr = rng.standard_normal((n, n)) / math.sqrt(n)
        inner = T[:, 0, 1][:, None] * Jr * T[:, 1, 0][None, :]
        inner[np.diag_indices(n)] += T[:, 0, 0]
        mat = Jh @ inner
    else:
        mat = Jh * T[:, 0, 0][None, :]
    mat[np.diag_indices(n)] -= 1.0
    return float(np.linalg.slogdet(mat)[1] / n)


# ---- complexity at a parameter point ---------------------------------------------------------
@dataclass
class BranchComplexity:
    """One nonzero static branch: Phi there (the Gaussian Kac-Rice bound) and, if computed, the
    exponent at the stationary tilted law reached from it."""

    delta_h: float
    q: float
    F_hr0: float
    phi: float
    tilted: float | None = None


@dataclass
class Complexity:
    """Kac-Rice complexity at one parameter point (module Notes).

    ``sigma_gaussian`` = max(0, max_b Phi_b); ``sigma`` = max(0, max_b tilted_b) (None unless
    ``tilted=True``); ``branch`` the index of the maximising branch (None if the value is 0)."""

    g_h: float
    sigma_gaussian: float
    sigma: float | None
    branch: int | None
    branches: list[BranchComplexity]
    method: str

    def as_dict(self) -> dict:
        return {"g_h": self.g_h, "sigma": self.sigma, "sigma_gaussian": self.sigma_gaussian, "branch": self.branch,
                "method": self.method, "branches": [b.__dict__.copy() for b in self.branches]}


def complexity(params: ModelParams, *, tilted: bool = False, **kwargs) -> Complexity:
    """Kac-Rice complexity at ``params`` over all static branches.

    Parameters
    ----------
    params : ModelParams
    tilted : bool
        Also iterate the field law from each branch to the stationary point of the exponent
        (:func:`tilted_complexity`; a few seconds per branch with a steep output gate).
    kwargs : passed to :func:`log_potential`.

    Notes
    -----
    Sigma_G = max(0, max_b Phi_b), Phi_b = (1/N) E log|det M| at each nonzero static branch b
    (theory.static_mft.solve_static); sigma = max(0, max_b Sigma_tilt,b). Both are computed with
    the conditioning on G = 0 neglected and with Jensen's bound E|det| >= exp E log|det|;
    Sigma_G <= sigma, and stationary points are only searched from the static branches (with no
    nonzero branch the value reported is 0, not a proof that the complexity vanishes).
    """
    _check_params(params)
    sol = solve_static(params)
    out = []
    for b in sol.nonzero:
        if not b.delta_h > 0:  # a branch leaving D_h = 0 (at g_instability): the zero fixed point
            continue
        lp = log_potential(params, b, **kwargs)
        tl = tilted_complexity(params, b).sigma if tilted else None
        out.append(BranchComplexity(float(b.delta_h), float(b.q), float(b.F_hr0), lp.phi, tl))
    key = (lambda i: out[i].tilted) if tilted else (lambda i: out[i].phi)
    best = max(range(len(out)), key=key, default=None)
    sigma_g = max([0.0] + [b.phi for b in out])
    sigma = max([0.0] + [b.tilted for b in out]) if tilted else None
    top = sigma if tilted else sigma_g
    method = ("tilted_stationary_law (conditioning neglected, Jensen lower bound)" if tilted
              else "gaussian_branch_bound (conditioning neglected, Jensen lower bound)")
    return Complexity(float(params.g_h), sigma_g, sigma, best if top > 0 else None, out, method)


def complexity_curve(params: ModelParams, g_values, *, tilted: bool = False, **kwargs):
    """Sigma_G(g_h) for each value in ``g_values`` (other parameters from ``params``); with
    ``tilted=True`` a pair (Sigma_G, sigma) of arrays."""
    g_values = np.asarray(g_values, dtype=float)
    if g_values.ndim != 1 or np.any(~np.isfinite(g_values)) or np.any(g_values <= 0):
        raise ValueError(f"g_values must be a 1-D array of finite values > 0, got {g_values!r}")
    out = np.empty((2, g_values.size))
    with progress_bar(g_values.size, "complexity") as bar:
        for i, g in enumerate(g_values):
            c = complexity(params.replace(g_h=float(g)), tilted=tilted, **kwargs)
            out[:, i] = c.sigma_gaussian, c.sigma if tilted else np.nan
            bar.update()
    return (out[0], out[1]) if tilted else out[0]


# ---- direct counts in small networks ---------------------------------------------------------
#: Scales of the Newton starts h0 = s xi (fixed points of the output-gated model sit at small D_h).
START_SCALES = (0.03, 0.1, 0.3, 0.6, 1.0, 2.0)


def _residual_jacobian(net: GatedNetwork, h: np.ndarray, jac: bool):
    """G(h) = -h + Jh(s_r(Jr phi) phi) + I_h on a batch h (S, N) and optionally DG (S, N, N)."""
    p = net.params
    ph = phi(h, p.g_h, p.beta_h)
    if p.is_gated:
        r = ph @ net.Jr.T + p.I_r
        s_r = sigmoid(r, p.alpha_r, p.beta_r)
        g = (s_r * ph) @ net.Jh.T - h + p.I_h
        if not jac:
            return g, None
        dph = dphi_from_phi(ph, p.g_h)
        inner = (ph * dsigmoid(r, p.alpha_r, p.beta_r))[:, :, None] * net.Jr[None] * dph[:, None, :]
        idx = np.arange(net.n)
        inner[:, idx, idx] += s_r * dph
        dg = net.Jh[None] @ inner
    else:
        g = ph @ net.Jh.T - h + p.I_h
        if not jac:
            return g, None
        dg = net.Jh[None] * dphi_from_phi(ph, p.g_h)[:, None, :]
    idx = np.arange(net.n)
    dg[:, idx, idx] -= 1.0
    return g, dg


def newton_batch(net: GatedNetwork, h0: np.ndarray, *, tol: float = 1e-10, max_iter: int = 60):
    """Damped Newton (backtracking on |G|) on a batch of starts; returns (h, converged mask).

    Notes
    -----
    Same equation as theory.fixed_points (r eliminated: r* = Jr phi(h*) + I_r), vectorised over
    starts: DG = -1 + Jh([s_r phi'] + [phi s_r'] Jr [phi']).
    """
    h = np.array(h0, dtype=float)
    done = np.zeros(h.shape[0], bool)
    g, dg = _residual_jacobian(net, h, True)
    for _ in range(max_iter):
        act = np.flatnonzero(~done & np.all(np.isfinite(g), axis=1))
        done |= np.max(np.abs(g), axis=1) <= tol
        act = act[~done[act]]
        if act.size == 0:
            break
        try:
            delta = np.linalg.solve(dg[act], -g[act][..., None])[..., 0]
        except np.linalg.LinAlgError:  # a singular matrix in the batch: solve one by one
            delta = np.zeros((act.size, net.n))
            for i, a in enumerate(act):
                try:
                    delta[i] = np.linalg.solve(dg[a], -g[a])
                except np.linalg.LinAlgError:
                    delta[i] = np.nan
        norm0 = np.linalg.norm(g[act], axis=1)
        step = np.ones(act.size)
        trial = h[act] + delta
        pending = np.ones(act.size, bool)
        for _ in range(30):
            gt, _ = _residual_jacobian(net, trial[pending], False)
            ok = np.linalg.norm(gt, axis=1) < (1 - 1e-4 * step[pending]) * norm0[pending]
            idx = np.flatnonzero(pending)
            pending[idx[ok]] = False
            if not pending.any():
                break
            step[pending] *= 0.5
            trial[pending] = h[act][pending] + step[pending, None] * delta[pending]
        h[act] = np.where(np.isfinite(trial), trial, h[act])
        g_new, dg_new = _residual_jacobian(net, h[act], True)
        g[act], dg[act] = g_new, dg_new
    done |= np.max(np.abs(g), axis=1) <= tol
    return h, done


def _distinct(points: np.ndarray, tol: float) -> np.ndarray:
    """Indices of the first occurrence of each distinct point (max-norm distance < tol)."""
    keep: list[int] = []
    for i in range(points.shape[0]):
        if not keep or np.min(np.max(np.abs(points[keep] - points[i]), axis=1)) >= tol:
            keep.append(i)
    return np.array(keep, dtype=int)


@dataclass
class FixedPointCount:
    """Distinct fixed points of one network (zero included) and the saturation record.

    ``found_vs_starts[i]`` is the number of distinct fixed points found with the first
    ``starts[i]`` starts (in the random order they were drawn)."""

    n: int
    seed: int
    count: int
    states: np.ndarray
    starts: np.ndarray
    found_vs_starts: np.ndarray
    converged: int


def newton_starts(n: int, seed: int, n_starts: int, scales=START_SCALES) -> np.ndarray:
    """h0 = 0 and ``n_starts`` starts s xi (s cycling through ``scales``), SeedSequence([seed, n, 67])."""
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), int(n), 67]))
    sc = np.asarray(scales, dtype=float)[np.arange(n_starts) % len(scales)]
    return np.vstack([np.zeros((1, n)), sc[:, None] * rng.standard_normal((n_starts, n))])


def count_fixed_points(params: ModelParams, n: int, seed: int = 0, n_starts: int = 400, *,
                       scales=START_SCALES, tol: float = 1e-10, distinct_tol: float = 1e-6) -> FixedPointCount:
    """Distinct fixed points of the network (params, n, seed) by Newton from ``n_starts`` starts.

    Notes
    -----
    Starts: h0 = 0 and s xi (xi ~ N(0, 1) per unit, s cycling through ``scales``), seeded by
    SeedSequence([seed, n, 67]). Newton misses fixed points whose basins the starts do not hit,
    so the count is a lower bound; ``found_vs_starts`` shows whether it saturated.
    """
    _check_params(params)
    if not (isinstance(n, (int, np.integer)) and 1 <= n <= 400):
        raise ValueError(f"n must be an integer in [1, 400], got {n!r}")
    if not (isinstance(n_starts, (int, np.integer)) and n_starts >= 1):
        raise ValueError(f"n_starts must be an integer >= 1, got {n_starts!r}")
    net = GatedNetwork(params, int(n), seed=int(seed))
    h0 = newton_starts(int(n), int(seed), int(n_starts), scales)
    h, ok = newton_batch(net, h0, tol=tol)
    conv = np.flatnonzero(ok)
    first = _distinct(h[conv], distinct_tol)
    found_at = np.sort(conv[first])  # start index where each distinct point was first found
    marks = np.unique(np.geomspace(1, n_starts + 1, 12).astype(int))
    found = np.array([np.sum(found_at < m) for m in marks])
    return FixedPointCount(int(n), int(seed), int(first.size), h[conv[first]], marks, found, int(conv.size))


def count_statistics(params: ModelParams, ns, seeds, n_starts: int = 400, **kwargs) -> dict:
    """Mean number of fixed points over networks (seeds) for each N, and the slope of log E[#].

    Returns
    -------
    dict with ``n``, ``mean``, ``stderr`` (over seeds), ``counts`` (n x seeds), ``saturation``
    (mean fraction of the final count found with half the starts), ``slope``, ``slope_stderr``
    (weighted least squares of log mean on N with sigma = stderr / mean: the finite-N
    complexity estimate).
    """
    ns = [int(v) for v in ns]
    seeds = [int(s) for s in seeds]
    if len(seeds) < 2:
        raise ValueError("seeds must hold at least 2 seeds (the error bars are over networks)")
    counts = np.zeros((len(ns), len(seeds)))
    half = np.zeros_like(counts)
    bar = progress_bar(len(ns) * len(seeds), "fixed-point counts")
    for i, n in enumerate(ns):
        for j, s in enumerate(seeds):
            bar.update()
            res = count_fixed_points(params, n, s, n_starts, **kwargs)
            counts[i, j] = res.count
            k = np.searchsorted(res.starts, (n_starts + 1) // 2, side="right") - 1
            half[i, j] = res.found_vs_starts[max(k, 0)] / res.count
    bar.close()
    mean = counts.mean(axis=1)
    stderr = counts.std(axis=1, ddof=1) / math.sqrt(len(seeds))
    out = {"n": np.array(ns), "mean": mean, "stderr": stderr, "counts": counts,
           "saturation": half.mean(axis=1), "slope": math.nan, "slope_stderr": math.nan}
    if len(ns) >= 2:
        y = np.log(mean)
        sig = np.maximum(stderr / mean, 1e-3)
        A = np.vstack([np.ones(len(ns)), np.array(ns, float)]).T / sig[:, None]
        coef, *_ = np.linalg.lstsq(A, y / sig, rcond=None)
        cov = np.linalg.inv(A.T @ A)
        out["slope"], out["slope_stderr"] = float(coef[1]), float(math.sqrt(cov[1, 1]))
    return out
