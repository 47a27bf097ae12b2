"""Mean-field theory of the adjoint (gradient) dynamics, and its measurement on networks.

Single-site adjoint process (derivations/adjoint.py; backward time s = T - t, homogeneous part,
i.e. after the loss has stopped acting)::

    d lambda_b/ds = local_b + sum_k B_kb nu_k,    mu_k = sum_a A_ak lambda_a,
    nu_k Gaussian, <nu_k(s) nu_k(s')> = <mu_k(s) mu_k(s')>

since (J^k)^T has the statistics of J^k; nu is taken independent of the forward fields
(gradient-independence assumption). Constant gates (alpha_z = alpha_r = 0; the additive model with
s_z = s_r = 1): lambda_z, lambda_r decay (B_kz = 0, B_hr = 0, L_hz = 0) and

    d lambda_h/ds = s_z (-lambda_h + s_r phi'(h) nu_h / s_z),    <nu_h nu_h'> = s_z^2 C_lambda,

so C_lambda(s, s') = <lambda_h(s) lambda_h(s')> obeys

    (d_s + s_z)(d_s' + s_z) C_lambda = s_z^2 s_r^2 C_phi'(s - s') C_lambda,

the equation of the tangent correlation C_dh (derivations/tangent.py) with t -> s. Hence
C_lambda = exp(lambda_max (s + s')) psi_0(s - s'), psi_0 the ground state of
H = -d^2/du^2 + 1 - s_r^2 C_phi'(u / s_z) (u = s_z (s - s')), and:

* backward growth rate of |lambda_h| = lambda_max = s_z(-1 + sqrt(1 - E0)) (:mod:`theory.dmft`);
* normalised two-time correlation across units rho(tau) = C_lambda(s, s + tau) /
  sqrt(C_lambda(s, s) C_lambda(s + tau, s + tau)) = psi_0(s_z tau) / psi_0(0).

The growth-rate statement is exact at any N, with or without the update gate (why: below, and
:func:`adjoint_growth_rate`), so for fluctuating gates (alpha_z > 0 or alpha_r > 0) the backward
growth rate is the lambda_max of the sampled tangent DMFT (:mod:`theory.dmft_tangent_sampling`).
Why: after the loss has stopped acting, lambda(t) = M(T, t)^T lambda(T), where M(T, t) is the
tangent propagator (dx(T) = M(T, t) dx(t)); for the simulated map this holds exactly step by step,
the discrete adjoint being the transpose of the exact linearised step, so lambda_m . v_m is
conserved along any tangent vector v (tests/test_adjoint.py). M and M^T have the same singular
values, so |lambda(t)| / |lambda(T)| grows like the largest singular value of M(T, t), i.e. as
exp(lambda_max (T - t)) for a generic lambda(T). Regimes:
explode (chaos, lambda_max > 0), vanish (stable fixed point: rate = right edge of the fixed-point
Jacobian spectrum < 0, :func:`theory.spectral_curve.right_edge`; quiescent state
s_z (g_h s_r - 1)), persist (right edge = 0: alpha_z > 0 puts whiskers/frozen units at 0, the
gate-made marginal stability; gradients neither grow nor decay exponentially).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg

from . import transitions
from ._generated import kwargs_for, load
from .adjoint import StateLoss, adjoint_gradient
from .dmft import sinc_dvr_hamiltonian, solve_dmft
from .dmft_averages import correlation_table
from .network import GatedNetwork
from .params import ModelParams, validate_positive
from .simulation import integrate

__all__ = ["AdjointMFT", "adjoint_mft", "gradient_regime", "quiescent_rate", "AdjointMeasurement",
           "measure_adjoint", "even_ground_state", "GrowthRate", "adjoint_growth_rate"]


def even_ground_state(potential, half_width: float, n: int):
    """Lowest even eigenpair of -d^2/du^2 + U(u) by sinc DVR (same discretisation as
    :func:`theory.dmft.schroedinger_ground_state`).

    Returns
    -------
    e0 : float
    u : ndarray (n + 1,)
        Grid u_j = j du >= 0.
    psi : ndarray (n + 1,)
        psi_0(u_j), normalised so psi_0(0) = 1.

    Notes
    -----
    Even basis {e_0, (e_j + e_-j)/sqrt 2}: psi(u_0) = c_0 / sqrt(du), psi(u_j) = c_j / sqrt(2 du).
    """
    u, even, _ = sinc_dvr_hamiltonian(potential, half_width, n)
    e, v = scipy.linalg.eigh(even, subset_by_index=[0, 0])
    c = v[:, 0]
    psi = c / math.sqrt(2.0)
    psi[0] = c[0]
    psi = psi / psi[0]
    return float(e[0]), u, psi


@dataclass
class AdjointMFT:
    """Adjoint mean-field predictions for constant gates.

    Attributes
    ----------
    growth_rate : float
        Backward growth rate of |lambda_h| (= lambda_max of the DMFT).
    e0 : float
        Ground energy (equals the DMFT's e0; ``e0_mismatch`` is the difference).
    tau, rho : ndarray
        Lags and the normalised two-time correlation rho(tau) = psi_0(s_z tau) / psi_0(0).
    rho_decay : float
        Rate of the exponential tail of rho, s_z sqrt(U(inf) - E0).
    """

    params: ModelParams
    growth_rate: float
    e0: float
    e0_mismatch: float
    tau: np.ndarray
    rho: np.ndarray
    rho_decay: float

    def rho_at(self, tau) -> np.ndarray:
        return np.interp(np.abs(np.asarray(tau, float)), self.tau, self.rho)


def adjoint_mft(params: ModelParams, *, n_grid: int = 1500) -> AdjointMFT:
    """Growth rate and normalised correlation of lambda_h from the adjoint DMFT (constant gates).

    Notes
    -----
    Potential U(u) = 1 - w C_phi'(C_h(u / gamma)) with w, gamma from the generated
    ``lyapunov_constant_gates`` (w = s_r^2, gamma = s_z) and C_phi' the Gaussian two-point average
    of the generated phi' at the DMFT variance; psi_0 by :func:`even_ground_state`.
    """
    dm = solve_dmft(params)
    gen = load("gated" if params.is_gated else "additive")
    _, w, gamma = gen.lyapunov_constant_gates(0.0, **kwargs_for(gen.lyapunov_constant_gates, params))
    w, gamma = float(w), float(gamma)
    kw = kwargs_for(gen.energy_potential_terms, params)
    table = correlation_table(lambda h: (gen.energy_potential_terms(h, **kw)[2],), ("df",), dm.delta_h,
                              lower=-dm.delta_h, degree=64)

    def potential(u):
        return 1.0 - w * table("df", dm.c_h_at(u / gamma))

    k_u = dm.tau_tail and 1.0 / (dm.tau_tail * gamma)
    half = 30.0 / k_u + 10.0
    e0, u, psi = even_ground_state(potential, half, n_grid)
    u_inf = float(potential(np.array([1e3 * half]))[0])
    lam = float(gen.lyapunov_constant_gates(e0, **kwargs_for(gen.lyapunov_constant_gates, params))[0])
    return AdjointMFT(params, lam, e0, abs(e0 - dm.e0), u / gamma, psi, gamma * math.sqrt(max(u_inf - e0, 0.0)))


@dataclass
class GrowthRate:
    """Mean-field backward growth rate of the gradient norm (= lambda_max of the tangent DMFT).

    Attributes
    ----------
    growth_rate, stderr : float
        The rate and its statistical error (0 for the deterministic constant-gate solver).
    method : str
        'constant-gate DMFT' or 'sampled tangent DMFT'.
    solution, tangent : optional
        The sampling DMFT solution and the :class:`theory.dmft_tangent_sampling.TangentResult`
        (None for constant gates).
    """

    params: ModelParams
    growth_rate: float
    stderr: float
    method: str
    solution: object = None
    tangent: object = None


def adjoint_growth_rate(params: ModelParams, *, dmft_kwargs=None, tangent_kwargs=None) -> GrowthRate:
    """Backward growth rate of |lambda| on the chaotic attractor, for any gates.

    Parameters
    ----------
    params : ModelParams
        beta_h = 0, zero inputs (stationary DMFT).
    dmft_kwargs, tangent_kwargs : dict, optional
        Passed to :func:`theory.dmft_sampling.solve_dmft_sampling` and
        :func:`theory.dmft_tangent_sampling.lambda_max_sampling` (fluctuating gates only).

    Returns
    -------
    GrowthRate

    Notes
    -----
    rate = lambda_max of the forward tangent dynamics (module Notes: the homogeneous adjoint
    propagator is the transpose of the tangent propagator). Constant gates (alpha_z = alpha_r = 0,
    or the additive model): s_z(-1 + sqrt(1 - E0)) from :func:`adjoint_mft` (the same Schroedinger
    problem as the tangent DMFT); otherwise the root of mu(lambda) = 1 of the sampled tangent DMFT
    on the self-consistent sampled paths (tangent fields independent of the state fields: the
    approximation stated in :mod:`theory.dmft_tangent_sampling`).
    """
    if not isinstance(params, ModelParams):
        raise TypeError(f"params must be a ModelParams, got {type(params).__name__}")
    if not params.is_gated or (params.alpha_z == 0 and params.alpha_r == 0):
        th = adjoint_mft(params)
        return GrowthRate(params, th.growth_rate, 0.0, "constant-gate DMFT")
    from .dmft_sampling import solve_dmft_sampling
    from .dmft_tangent_sampling import lambda_max_sampling

    sol = solve_dmft_sampling(params, **(dmft_kwargs or {}))
    tan = lambda_max_sampling(sol, **(tangent_kwargs or {}))
    return GrowthRate(params, tan.lambda_max, tan.lambda_max_stderr, "sampled tangent DMFT", sol, tan)


def quiescent_rate(params: ModelParams) -> float:
    """Backward decay rate of gradients at the quiescent fixed point (beta_h = 0, zero inputs):
    the right edge s_z (g_h s_r - 1) of the disk spectrum s_z(-1 + g_h s_r w), |w| <= 1
    (:func:`theory.transitions.quiescent_rate`)."""
    if params.beta_h != 0 or any(callable(getattr(params, k)) or np.any(getattr(params, k) != 0)
                                 for k in ("I_h", "I_z", "I_r")):
        raise ValueError("quiescent_rate needs beta_h = 0 and zero inputs (h = z = r = 0 is then a fixed point)")
    return transitions.quiescent_rate(params)


def gradient_regime(growth_rate: float, *, marginal_tol: float = 1e-3) -> str:
    """'explode' (rate > tol), 'vanish' (rate < -tol) or 'persist' (|rate| <= tol)."""
    if growth_rate > marginal_tol:
        return "explode"
    if growth_rate < -marginal_tol:
        return "vanish"
    return "persist"


# ---- measurement on networks ------------------------------------------------------------------

@dataclass
class AdjointMeasurement:
    """Backward growth of |lambda_h| and its normalised two-time correlation on one network.

    Attributes
    ----------
    growth_rate : float
        Least-squares slope of log |lambda_h(t)| against T - t over the fit window.
    tangent_rate : float
        Forward growth rate of a tangent vector over the same window of the same trajectory.
    lags, rho : ndarray
        Normalised correlation rho(tau) averaged over reference times of the window; ``lags`` are
        the lags measured, the requested ones rounded to whole steps.
    t, log_norm : ndarray
        Times and log |lambda_h(t)| (for plots).
    delta_h : float
        Population mean of h_i^2 at the start of the fit window (which state the network is in).
    """

    growth_rate: float
    tangent_rate: float
    lags: np.ndarray
    rho: np.ndarray
    t: np.ndarray
    log_norm: np.ndarray
    delta_h: float = float("nan")


def measure_adjoint(params: ModelParams, n: int, seed: int, *, t_transient: float = 50.0,
                    t_window: float = 60.0, t_align: float = 10.0, dt: float = 0.05,
                    lags=(0.25, 0.5, 1.0, 1.5, 2.0, 3.0), snapshot_every: float = 0.5,
                    tangent: bool = True) -> AdjointMeasurement:
    """Run a network on its attractor, back-propagate a terminal loss, measure the adjoint.

    Notes
    -----
    Loss: terminal StateLoss with a seeded random target at T = t_window + t_align (times counted
    from the end of the transient), so the adjoint is homogeneous, -dlambda/dt = J^T lambda. The
    last t_align time units let lambda align with the leading backward direction; log |lambda_h|
    is fitted on [0, t_window]. The tangent check integrates the exact linearised step forward
    (theory.integrators.step_with_tangent) from t = -t_align (alignment) and fits log |v| on the
    same window [0, t_window] of the same trajectory. rho(tau) averages
    lambda_h(t) . lambda_h(t + tau) / (|lambda_h(t)| |lambda_h(t + tau)|) over reference times
    t = 0, snapshot_every, ... in the window.
    """
    from .integrators import step_with_tangent

    validate_positive("t_window", t_window)
    validate_positive("t_align", t_align)
    net = GatedNetwork(params, n, seed)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 88]))
    align = int(round(t_align / dt))
    win = int(round(t_window / dt))
    every = max(1, int(round(snapshot_every / dt)))
    y_pre = integrate(net, net.initial_state(), t_transient, dt)
    # forward: align the tangent for t_align, then fit over the window
    tangent_rate = float("nan")
    if tangent:
        yy, v = y_pre, rng.standard_normal((net.n_fields, n, 1))
        v /= np.linalg.norm(v)
        acc, ts, logs = 0.0, [], []
        for m in range(align + win):
            yy, v = step_with_tangent(net, m * dt, yy, v, dt)
            if m + 1 == align:
                y = yy
            if (m + 1 - align) % every == 0:
                nv = np.linalg.norm(v)
                acc += math.log(nv)
                v /= nv
                if m + 1 >= align:
                    ts.append((m + 1 - align) * dt)
                    logs.append(acc)
        tangent_rate = float(np.polyfit(ts, logs, 1)[0])
    else:
        rng.standard_normal((net.n_fields, n, 1))  # same random stream either way
        y = integrate(net, y_pre, t_align, dt)
    lag_steps = [int(round(lag / dt)) for lag in lags]
    refs = range(0, win + 1, every)
    rec = set(refs) | {m + ls for m in refs for ls in lag_steps if m + ls <= win}
    target = rng.standard_normal(n)
    res = adjoint_gradient(net, y, (align + win) * dt, dt, terminal_loss=StateLoss(target), couplings=False,
                           record_steps=sorted(rec))
    t = res.t[: win + 1] - res.t[0]
    log_norm = np.log(res.lambda_h_norm[: win + 1])
    slope = float(np.polyfit(t[-1] - t, log_norm, 1)[0])
    rho = []
    for ls in lag_steps:
        vals = [res.snapshots[m][0] @ res.snapshots[m + ls][0]
                / (np.linalg.norm(res.snapshots[m][0]) * np.linalg.norm(res.snapshots[m + ls][0]))
                for m in refs if m + ls <= win]
        rho.append(float(np.mean(vals)))
    # the lags actually measured: whole numbers of steps (e.g. 0.25 at dt = 0.1 is 2 steps, 0.2)
    return AdjointMeasurement(slope, tangent_rate, np.array(lag_steps) * dt, np.array(rho), t, log_norm,
                              float(np.mean(y[0] ** 2)))
