"""Memory from gating (THEORY.md section 8): the frozen units of a near-step update gate as an
integrator, pulse protocols, readouts, and the gate-opening reset.

Notes
-----
At a fixed point x* = (h*, z*, r*) the update gate does not enter (THEORY.md section 2), so one
Newton solve serves every (alpha_z, beta_z, tau_z). A unit with s_z(z_j*) ~ 0 ("frozen",
z_j* < theta_z = beta_z / alpha_z in the step limit) has a Jacobian row ~ 0:

    d(dh_j)/dt = s_z(z_j*) (-dh_j + ...) ~ 0,

so e_j (its h coordinate) is a left zero mode and h_j is conserved: the f0 N frozen h_j label a
continuum of fixed points (the active units re-equilibrate around any values of them). The readout
of a stored value along a direction u supported on the frozen units is therefore the projection

    m(t) = u . (h(t) - h*) / (u . u),

and a frozen unit with finite alpha_z forgets at its own rate s_z(z_j*) (slow-unit approximation of
the pinched spectrum, eigenvalue ~ -s_z(z_j*)), so a trace along u decays as

    m(t) / m(0) ~ sum_j u_j^2 exp(-s_z(z_j*) t) / sum_j u_j^2,

whose population version, z* ~ N(I_z, q) (static MFT) restricted to z* < theta_z, is
:func:`memory_curve_theory`. A reset input I^z = R raises z_j(t) = z_j* + R (1 - exp(-t/tau_z)) and
the trace decays as exp(-int_0^t s_z(z_j(t')) dt') (:func:`reset_curve_theory`).

Two input routes are offered. ``state`` pulses are added to dh/dt outside the gate (a current that
does not scale with the unit's time constant): a pulse of area a along u moves h by a u. ``gated``
pulses are the model's own I^h, which enters inside the gate, dh_j/dt = s_z(z_j)(... + I^h_j): a
frozen unit does not see them unless an I^z input opens its gate at the same time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.special import logit

from .errors import ConvergenceError
from .fixed_points import find_fixed_points, fixed_point_eigenvalues  # noqa: F401 (re-exported)
from .gates import sigmoid
from .integrators import n_steps, step
from .network import GatedNetwork
from .params import ModelParams, validate_positive, validate_size
from .progress import progress_bar
from .spectral_curve import f_hr0, frozen_fraction, theta_of
from .static_mft import solve_static

#: Default network: a nonzero fixed point unstable with constant gates (F_hr(0) = 1.11), made
#: marginally stable by a steep update gate with threshold theta_z = beta_z / alpha_z = 0 (f0 = 1/2).
DEFAULT_PARAMS = ModelParams.gated(2.5, alpha_r=1.0, alpha_z=10.0)

_STATE_CACHE: dict = {}


# ---- the marginal state ---------------------------------------------------------------------
@dataclass
class MarginalState:
    """A network at a fixed point of the nonzero static branch, with its memory (frozen) units.

    Attributes
    ----------
    params : ModelParams (constant scalar inputs)
    network : GatedNetwork
    state : (3, N) fixed point (h*, z*, r*)
    branch : theory.static_mft.Branch the fixed point belongs to
    theta : threshold theta_z = beta_z / alpha_z of the hard-gate limit
    s_max : if given, memory units are those with s_z(z_j*) < s_max (frozen on time scales
        << 1 / s_max); otherwise those with z_j* < theta (frozen in the hard-gate limit)
    """

    params: ModelParams
    network: GatedNetwork
    state: np.ndarray
    branch: object
    theta: float
    s_max: float | None = None

    @property
    def n(self) -> int:
        return self.network.n

    @property
    def memory_threshold(self) -> float:
        """z threshold of the memory units: theta_z, or (logit(s_max) + beta_z) / alpha_z."""
        if self.s_max is None:
            return self.theta
        return (logit(self.s_max) + self.params.beta_z) / self.params.alpha_z

    @property
    def memory(self) -> np.ndarray:
        """Boolean mask of the memory (frozen) units, z_j* below :attr:`memory_threshold`."""
        return self.state[1] < self.memory_threshold

    @property
    def frozen_fraction_theory(self) -> float:
        """f0 = P(z* < theta_z), z* ~ N(I_z, q) (theory.spectral_curve.frozen_fraction)."""
        return frozen_fraction(self.params, self.branch, self.theta)

    @property
    def F_hr0(self) -> float:
        return f_hr0(self.params, self.branch)

    @property
    def s_z(self) -> np.ndarray:
        """Update-gate values s_z(z_j*) at the fixed point."""
        return sigmoid(self.state[1], self.params.alpha_z, self.params.beta_z)

    def with_memory(self, s_max: float | None) -> "MarginalState":
        """The same state with memory units s_z(z_j*) < s_max (None: z_j* < theta_z)."""
        if s_max is not None and not 0 < s_max < 1:
            raise ValueError(f"s_max must be in (0, 1), got {s_max!r}")
        return MarginalState(self.params, self.network, self.state, self.branch, self.theta, s_max)

    def with_params(self, params: ModelParams) -> "MarginalState":
        """The same fixed point under other update-gate parameters (alpha_z, beta_z, tau_z, ...).

        Valid because fixed points do not depend on the update gate; raises ValueError if any
        other parameter differs.
        """
        if _fp_key(params) != _fp_key(self.params):
            raise ValueError("with_params may change only alpha_z, beta_z and tau_z")
        net = GatedNetwork(params, self.n, seed=self.network.seed)
        theta = theta_of(params)
        return MarginalState(params, net, self.state, self.branch, theta, self.s_max)

    def direction(self, seed: int = 0) -> np.ndarray:
        """A random unit vector u supported on the memory units (Gaussian entries, |u| = 1)."""
        rng = np.random.default_rng(np.random.SeedSequence([self.network.seed, 7, int(seed)]))
        u = np.zeros(self.n)
        mask = self.memory
        if not mask.any():
            raise ValueError("no memory units (z* < theta_z): raise beta_z / alpha_z")
        u[mask] = rng.standard_normal(mask.sum())
        return u / np.linalg.norm(u)


def _fp_key(params: ModelParams):
    return repr(params.replace(alpha_z=0.0, beta_z=0.0, tau_z=1.0).provenance())


def _check_memory_params(params: ModelParams) -> None:
    if not isinstance(params, ModelParams):
        raise ValueError(f"params must be a ModelParams, got {type(params).__name__}")
    if not params.is_gated:
        raise ValueError("memory needs the gated model (the additive model has no update gate)")
    if params.alpha_z <= 0:
        raise ValueError(f"alpha_z must be > 0 for frozen units (theta_z = beta_z / alpha_z), got {params.alpha_z!r}")
    if params.has_time_dependent_input or any(np.ndim(getattr(params, k)) > 0 for k in ("I_h", "I_z", "I_r")):
        raise ValueError("the marginal state needs constant scalar inputs (pulses are added by the protocols)")


def marginal_state(params: ModelParams = DEFAULT_PARAMS, n: int = 300, seed: int = 0, *,
                   n_starts: int = 6) -> MarginalState:
    """Newton fixed point of a random network on the largest nonzero static branch.

    Parameters
    ----------
    params : ModelParams
        Gated model with alpha_z > 0 and constant scalar inputs.
    n, seed : network size and coupling seed.
    n_starts : random Newton starts (theory.fixed_points.find_fixed_points); if none lands on
        the branch, 4 n_starts further starts are tried.

    Raises
    ------
    ValueError
        Bad parameters, or no nonzero static branch.
    ConvergenceError
        No Newton fixed point within a factor 2 of the branch's Delta_h.

    Notes
    -----
    Solves G(h) = -h + Jh (sigma_r(Jr phi(h)) phi(h)) = 0 (independent of the update gate) and
    keeps the solution whose Delta_h is closest to the static branch D_h; cached per network.
    """
    _check_memory_params(params)
    n = validate_size(n)
    nonzero = solve_static(params).nonzero
    if not nonzero:
        raise ValueError("no nonzero fixed-point branch at these parameters (raise g_h)")
    branch = nonzero[-1]
    key = (_fp_key(params), n, int(seed), int(n_starts))
    if key not in _STATE_CACHE:
        net0 = GatedNetwork(params.replace(alpha_z=0.0, beta_z=0.0), n, seed=seed)
        target = branch.delta_h
        fps = []
        for attempt, starts in enumerate((n_starts, 4 * n_starts)):  # retry with more starts
            found, _ = find_fixed_points(net0, starts, seed=attempt, eigenvalues=False)
            fps = [f for f in found if 0.5 * target < f.delta_h < 2.0 * target]
            if fps:
                break
        if not fps:
            raise ConvergenceError(f"no Newton fixed point near the branch Delta_h = {target:.4g} "
                                   f"(N = {n}, seed = {seed})", [])
        fps.sort(key=lambda f: abs(np.log(f.delta_h / target)))
        if len(_STATE_CACHE) > 64:
            _STATE_CACHE.clear()
        _STATE_CACHE[key] = fps[0].state
    net = GatedNetwork(params, n, seed=seed)
    return MarginalState(params, net, _STATE_CACHE[key].copy(), branch, theta_of(params))


# ---- slow modes -----------------------------------------------------------------------------
def slow_mode_count(ms: MarginalState, eps: float = 1e-2) -> int:
    """Number of Jacobian eigenvalues with |lambda| < eps at the fixed point ((h, r) block; the
    N eigenvalues at -1/tau_z are never slow for tau_z < 1/eps)."""
    eps = validate_positive("eps", eps)
    ev = fixed_point_eigenvalues(ms.network, ms.state)[: 2 * ms.n]
    return int(np.sum(np.abs(ev) < eps))


def predicted_slow_fraction(params: ModelParams, branch, eps: float = 1e-2) -> float:
    """Predicted (count of |lambda| < eps) / N = P(s_z(z*) < eps), z* ~ N(I_z, q).

    Notes
    -----
    Slow-unit approximation: each unit with s_z << 1 gives one eigenvalue ~ -s_z(z_j*), so the
    count is N P(z* < theta_eps), theta_eps = (logit(eps) + beta_z) / alpha_z; this is the frozen
    fraction f0 of theory.spectral_curve at threshold theta_eps, and tends to f0 = P(z* < beta_z /
    alpha_z) as alpha_z -> infinity (hard gate).
    """
    eps = validate_positive("eps", eps)
    if not eps < 1:
        raise ValueError(f"eps must be in (0, 1), got {eps!r}")
    _check_memory_params(params)
    return frozen_fraction(params, branch, (logit(eps) + params.beta_z) / params.alpha_z)


# ---- pulses ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class PulseTrain:
    """Square pulses along a fixed direction: I(t) = sum_k (a_k / T) u [t_k <= t < t_k + T].

    Parameters
    ----------
    onsets : (K,) onset times t_k (non-overlapping, increasing)
    amplitudes : (K,) or (K, B) areas a_k (per trial in a batch of B)
    duration : pulse length T > 0
    direction : (N,) direction u
    """

    onsets: np.ndarray
    amplitudes: np.ndarray
    duration: float
    direction: np.ndarray

    def __post_init__(self):
        on = np.atleast_1d(np.asarray(self.onsets, float))
        amp = np.asarray(self.amplitudes, float)
        if amp.ndim == 0 or amp.shape[0] != on.size or amp.ndim > 2:
            raise ValueError(f"amplitudes must have shape (K,) or (K, B) with K = {on.size} onsets")
        if not (np.all(np.isfinite(on)) and np.all(np.isfinite(amp))):
            raise ValueError("onsets and amplitudes must be finite")
        dur = validate_positive("duration", self.duration)
        if on.size > 1 and np.any(np.diff(on) < dur):
            raise ValueError("pulses must not overlap: onsets must be increasing and >= duration apart")
        u = np.asarray(self.direction, float)
        if u.ndim != 1 or not np.all(np.isfinite(u)):
            raise ValueError("direction must be a finite 1-D array (one entry per unit)")
        object.__setattr__(self, "onsets", on)
        object.__setattr__(self, "amplitudes", amp)
        object.__setattr__(self, "duration", dur)
        object.__setattr__(self, "direction", u)

    @property
    def end(self) -> float:
        return float(self.onsets[-1] + self.duration) if self.onsets.size else 0.0

    def height(self, t: float):
        """Scalar (or (B,)) pulse height at time t; half-open windows keep RK4 pulse areas exact."""
        active = (self.onsets <= t) & (t < self.onsets + self.duration)
        if not active.any():
            return None
        return self.amplitudes[np.argmax(active)] / self.duration

    def __call__(self, t: float) -> np.ndarray:
        a = self.height(t)
        if a is None:
            return np.zeros(self.direction.shape)
        return np.multiply.outer(self.direction, a)


@dataclass(frozen=True)
class GateInput:
    """A square input to the z units: I^z(t) = strength * mask on [start, start + duration)."""

    start: float
    duration: float
    strength: float
    mask: np.ndarray | None = None

    def __call__(self, t: float):
        if self.start <= t < self.start + self.duration:
            return self.strength if self.mask is None else self.strength * self.mask
        return 0.0


# ---- protocols ------------------------------------------------------------------------------
@dataclass
class Run:
    """Result of :func:`run_protocol`: readout m(t) (n_rec, B), times, final states (3, N, B) and
    h - h* of the recorded units (n_rec, n_units, B)."""

    t: np.ndarray
    readout: np.ndarray
    final: np.ndarray
    meta: dict = field(default_factory=dict)
    units: np.ndarray | None = None


class _Driven:
    """Vector field of the network plus the protocol inputs (for theory.integrators.step)."""

    def __init__(self, network, state_pulses, gated_pulses, gate_inputs):
        self.net, self.sp, self.gp, self.gi = network, state_pulses, gated_pulses, gate_inputs

    def vector_field(self, t, y):
        f = self.net.vector_field(t, y)
        p = self.net.params
        col = (slice(None), None) if y.ndim == 3 else (slice(None),)
        for pulses in self.sp:
            a = pulses.height(t)
            if a is not None:
                f[0] += np.multiply.outer(pulses.direction, a) if np.ndim(a) else pulses.direction[col] * a
        for pulses in self.gp:  # the model's I^h: inside the update gate
            a = pulses.height(t)
            if a is not None:
                drive = np.multiply.outer(pulses.direction, a) if np.ndim(a) else pulses.direction[col] * a
                f[0] += sigmoid(y[1], p.alpha_z, p.beta_z) * drive
        for gi in self.gi:
            v = gi(t)
            if np.ndim(v) or v != 0.0:
                f[1] += (np.asarray(v)[col] if np.ndim(v) else v) / p.tau_z
        return f


def readout(ms: MarginalState, h: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Projection readout m = u . (h - h*) / (u . u) for h of shape (N,) or (N, B)."""
    dh = h - (ms.state[0][:, None] if h.ndim == 2 else ms.state[0])
    return np.tensordot(u, dh, axes=(0, 0)) / float(u @ u)


def run_protocol(ms: MarginalState, t_max: float, *, u: np.ndarray | None = None, state_pulses=(),
                 gated_pulses=(), gate_inputs=(), batch: int = 1, dt: float = 0.05,
                 record_every: int = 10, noise: float = 0.0, noise_seed: int = 0,
                 y0: np.ndarray | None = None, record_units=(), progress: bool | None = None) -> Run:
    """Integrate the network from its fixed point with pulses and gate inputs; record m(t).

    Parameters
    ----------
    ms : MarginalState
    t_max : duration (a whole number of steps dt)
    u : readout direction (default ``ms.direction()``)
    state_pulses : PulseTrain(s) added to dh/dt outside the gate
    gated_pulses : PulseTrain(s) entering as the model's I^h, i.e. multiplied by s_z(z)
    gate_inputs : GateInput(s) added to the z equation (the model's I^z)
    batch : number of trials B (pulse amplitudes may be (K, B))
    noise : std of additive white noise on h (Euler-Maruyama, outside the gate)
    y0 : initial state (3, N, batch); default the fixed point in every trial
    record_units : indices of units whose h - h* is recorded (``Run.units``)

    Notes
    -----
    dh/dt = s_z(z)(-h + Jh s_r phi(h) + I^h_gated) + I_state + noise xi(t),
    tau_z dz/dt = -z + Jz phi(h) + I^z; RK4 for the deterministic part, sqrt(dt) noise increments.
    """
    t_max = validate_positive("t_max", t_max)
    dt = validate_positive("dt", dt)
    noise = validate_positive("noise", noise, allow_zero=True)
    batch = validate_size(batch)
    steps = n_steps(t_max, dt, "t_max")
    as_tuple = (lambda x: (x,) if isinstance(x, (PulseTrain, GateInput)) else tuple(x))
    sp, gp, gi = as_tuple(state_pulses), as_tuple(gated_pulses), as_tuple(gate_inputs)
    for pulses in sp + gp:
        if pulses.direction.shape != (ms.n,):
            raise ValueError(f"pulse direction must have shape ({ms.n},), got {pulses.direction.shape}")
        if pulses.amplitudes.ndim == 2 and pulses.amplitudes.shape[1] != batch:
            raise ValueError(f"pulse amplitudes of shape (K, B) need B = batch = {batch}")
    u = ms.direction() if u is None else np.asarray(u, float)
    driven = _Driven(ms.network, sp, gp, gi)
    if y0 is None:
        y = np.repeat(ms.state[:, :, None], batch, axis=2)
    else:
        y = ms.network.check_state(y0, "y0").copy()
        if y.shape != (3, ms.n, batch):
            raise ValueError(f"y0 must have shape (3, {ms.n}, {batch}), got {y.shape}")
    rng = np.random.default_rng(np.random.SeedSequence([ms.network.seed, 11, int(noise_seed)]))
    n_rec = steps // record_every + 1
    m = np.empty((n_rec, batch))
    m[0] = readout(ms, y[0], u)
    idx = np.asarray(record_units, dtype=int)
    if idx.size and (idx.min() < 0 or idx.max() >= ms.n):
        raise ValueError(f"record_units must lie in [0, {ms.n})")
    traces = np.empty((n_rec, idx.size, batch))
    traces[0] = y[0, idx] - ms.state[0, idx, None]
    with progress_bar(steps, "memory protocol", progress) as bar:
        for i in range(steps):
            y = step(driven, i * dt, y, dt)
            if noise:
                y[0] += noise * math.sqrt(dt) * rng.standard_normal(y[0].shape)
            if (i + 1) % record_every == 0:
                m[(i + 1) // record_every] = readout(ms, y[0], u)
                traces[(i + 1) // record_every] = y[0, idx] - ms.state[0, idx, None]
            bar.update()
    if not np.all(np.isfinite(y)):
        raise ConvergenceError("state diverged (non-finite) during the protocol", [])
    return Run(dt * record_every * np.arange(n_rec), m, y, {"dt": dt, "u": u}, traces)


# ---- readouts -------------------------------------------------------------------------------
def fit_linear_readout(features: np.ndarray, target: np.ndarray, ridge: float = 1e-6):
    """Ridge regression target ~ w . features + c; features (B, N). Returns (w, c).

    Notes
    -----
    w = (X^T X + ridge tr(X^T X)/N I)^-1 X^T y on centred X, y; c = mean(y) - w . mean(X).
    """
    X = np.asarray(features, float)
    y = np.asarray(target, float)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"features must be (B, N) and target (B,); got {X.shape}, {y.shape}")
    ridge = validate_positive("ridge", ridge, allow_zero=True)
    xm, ym = X.mean(axis=0), y.mean()
    Xc = X - xm
    G = Xc.T @ Xc
    G[np.diag_indices_from(G)] += ridge * max(np.trace(G), 1e-300) / G.shape[0]
    w = np.linalg.solve(G, Xc.T @ (y - ym))
    return w, float(ym - w @ xm)


# ---- theory curves --------------------------------------------------------------------------
def _memory_grid(params: ModelParams, branch, theta: float, n_nodes: int = 4001):
    """Nodes z and weights of z* ~ N(I_z, q) restricted to z* < theta (weights sum to 1)."""
    sq = math.sqrt(branch.q)
    hi = (theta - params.I_z) / sq
    if hi < -8:
        raise ValueError("no frozen units: P(z* < theta_z) < 1e-15")
    x = np.linspace(-10.0, hi, n_nodes)
    w = np.exp(-0.5 * x**2)
    w[[0, -1]] *= 0.5
    return params.I_z + sq * x, w / w.sum()


def memory_curve_theory(params: ModelParams, branch, t, theta: float | None = None) -> np.ndarray:
    """Predicted m(t)/m(0) of a trace spread evenly over the frozen units.

    Notes
    -----
    E[exp(-s_z(z) t) | z < theta_z], z ~ N(I_z, q) (static MFT q): each frozen unit forgets at its
    slow eigenvalue ~ -s_z(z_j*) (slow-unit approximation; recurrent feedback neglected).
    """
    theta = theta_of(params, theta)
    z, w = _memory_grid(params, branch, theta)
    s = sigmoid(z, params.alpha_z, params.beta_z)
    t = np.asarray(t, float)
    return np.exp(-np.multiply.outer(t, s)) @ w


def memory_curve_network(ms: MarginalState, u: np.ndarray, t) -> np.ndarray:
    """Same as :func:`memory_curve_theory` with the network's own s_z(z_j*) and weights u_j^2."""
    w = u**2 / np.sum(u**2)
    return np.exp(-np.multiply.outer(np.asarray(t, float), ms.s_z)) @ w


def reset_curve_theory(params: ModelParams, z, weights, strength: float, t) -> np.ndarray:
    """Predicted trace during a reset input I^z = R switched on at t = 0.

    Notes
    -----
    z_j(t) = z_j* + R (1 - exp(-t / tau_z)) (gate dynamics driven by the input; recurrent change
    of z neglected) and each frozen unit relaxes at its opened rate:
    d(t) = sum_j w_j exp(-int_0^t s_z(z_j(t')) dt') / sum_j w_j (trapezoid rule in t).
    """
    t = np.asarray(t, float)
    if t.ndim != 1 or t[0] != 0 or np.any(np.diff(t) <= 0):
        raise ValueError("t must be an increasing 1-D grid starting at 0")
    zt = np.asarray(z, float)[None, :] + strength * (1 - np.exp(-t / params.tau_z))[:, None]
    rate = sigmoid(zt, params.alpha_z, params.beta_z)
    integral = np.concatenate([np.zeros((1, rate.shape[1])),
                               np.cumsum(0.5 * (rate[1:] + rate[:-1]) * np.diff(t)[:, None], axis=0)])
    w = np.asarray(weights, float)
    return np.exp(-integral) @ (w / w.sum())


def reset_curve_population(params: ModelParams, branch, strength: float, t, theta=None) -> np.ndarray:
    """:func:`reset_curve_theory` averaged over z* ~ N(I_z, q) restricted to z* < theta_z."""
    z, w = _memory_grid(params, branch, theta_of(params, theta), n_nodes=801)
    return reset_curve_theory(params, z, w, strength, t)


def crossing_time(t, m, level: float = math.exp(-1)) -> float:
    """First time |m(t)| / |m(0)| falls below ``level`` (linear interpolation); inf if never."""
    t = np.asarray(t, float)
    r = np.abs(np.asarray(m, float)) / abs(m[0])
    below = np.nonzero(r < level)[0]
    if below.size == 0:
        return math.inf
    k = below[0]
    if k == 0:
        return float(t[0])
    return float(t[k - 1] + (r[k - 1] - level) / (r[k - 1] - r[k]) * (t[k] - t[k - 1]))


# ---- measurements ---------------------------------------------------------------------------
#: Onset and duration of the storing pulse of the memory and reset protocols.
STORE_ONSET, STORE_DURATION = 0.5, 0.5


def memory_trace(ms: MarginalState, t_hold: float, *, u=None, amplitude: float = 0.1, dt: float = 0.1,
                 record_every: int = 5, noise: float = 0.0, noise_seed: int = 0, batch: int = 1,
                 return_start: bool = False):
    """Store a state pulse of area ``amplitude`` along u, then hold for ``t_hold``.

    Returns (t, m): times since the end of the pulse and the readout m(t) (shape (n, batch)); with
    ``return_start`` also the state (3, N, batch) at the end of the pulse.
    """
    u = ms.direction() if u is None else u
    pulses = PulseTrain([STORE_ONSET], [amplitude], STORE_DURATION, u)
    end = STORE_ONSET + STORE_DURATION
    first = run_protocol(ms, end, u=u, state_pulses=pulses, dt=dt, record_every=1, noise=noise,
                         noise_seed=noise_seed, batch=batch)
    run = run_protocol(ms, t_hold, u=u, dt=dt, record_every=record_every, noise=noise,
                       noise_seed=noise_seed + 1, batch=batch, y0=first.final)
    return (run.t, run.readout, first.final) if return_start else (run.t, run.readout)


def linear_trace(ms: MarginalState, dx0: np.ndarray, t_hold: float, *, u=None, dt: float = 0.1,
                 record_every: int = 5):
    """Readout of the linearised dynamics d(dx)/dt = Jac(x*) dx from dx0 (3, N).

    Notes
    -----
    The exact Jacobian at the fixed point (theory.jacobian.Linearization, applied matrix-free)
    integrated by RK4: the response of the slow modes and their (non-orthogonal) eigenvectors,
    with no approximation beyond linearisation.
    """
    u = ms.direction() if u is None else u
    lin = ms.network.linearize(0.0, ms.state)

    class _Lin:
        def vector_field(self, t, v):
            return lin.apply(v)

    steps = n_steps(t_hold, dt, "t_hold")
    v = np.array(dx0, float)
    out = [float(u @ v[0]) / float(u @ u)]
    for i in range(steps):
        v = step(_Lin(), i * dt, v, dt)
        if (i + 1) % record_every == 0:
            out.append(float(u @ v[0]) / float(u @ u))
    return dt * record_every * np.arange(len(out)), np.array(out)


def memory_time(ms: MarginalState, t_hold: float = 200.0, *, u=None, amplitude: float = 0.1,
                dt: float = 0.1, linear: bool = False) -> dict:
    """Measured time for a stored trace to fall to 1/e, with the leak-only predictions.

    Returns a dict: ``measured`` (inf if the trace stays above 1/e for t_hold), ``theory``
    (population, :func:`memory_curve_theory`), ``network`` (the network's own s_z(z_j*)), the
    curves and the stored value m(0+) / amplitude; with ``linear`` also the time of the exact
    linearisation started from the same post-pulse state (:func:`linear_trace`).
    """
    u = ms.direction() if u is None else u
    t, m, start = memory_trace(ms, t_hold, u=u, amplitude=amplitude, dt=dt, return_start=True)
    m = m[:, 0]
    th = memory_curve_theory(ms.params, ms.branch, t, ms.memory_threshold)
    nw = memory_curve_network(ms, u, t)
    out = {"measured": crossing_time(t, m), "theory": crossing_time(t, th),
           "network": crossing_time(t, nw), "t": t, "m": m / m[0], "m_theory": th,
           "m_network": nw, "stored": float(m[0] / amplitude)}
    if linear:
        _, ml = linear_trace(ms, start[:, :, 0] - ms.state, t_hold, u=u, dt=dt)
        out["linear"], out["m_linear"] = crossing_time(t, ml), ml / ml[0]
    return out


def integration_trials(ms: MarginalState, n_pulses: int, size: float, n_trials: int = 16, *,
                       u=None, gap: float = 2.0, duration: float = 0.5, route: str = "state",
                       gate_strength: float = 0.0, settle: float = 2.0, dt: float = 0.05,
                       seed: int = 0, noise: float = 0.0) -> dict:
    """k pulses of areas a_i ~ Uniform(-size, size) along u, read out after the last one.

    Parameters
    ----------
    route : {"state", "gated"}
        ``state``: pulses added outside the gate; ``gated``: the model's I^h (inside the gate),
        with an I^z input of ``gate_strength`` on the memory units during each pulse (0: none).

    Returns
    -------
    dict with ``sums`` (B,), ``readout`` (projection, B), ``final_h`` (B, N) and
    ``relative_error`` = rms(readout - sums) / rms(sums).
    """
    if route not in ("state", "gated"):
        raise ValueError(f"route must be 'state' or 'gated', got {route!r}")
    k = validate_size(n_pulses)
    size = validate_positive("size", size)
    u = ms.direction() if u is None else u
    rng = np.random.default_rng(np.random.SeedSequence([ms.network.seed, 13, int(seed)]))
    amps = rng.uniform(-size, size, (k, n_trials))
    onsets = 0.5 + gap * np.arange(k)
    pulses = PulseTrain(onsets, amps, duration, u)
    t_max = float(onsets[-1] + duration + settle)
    t_max = dt * round(t_max / dt)
    gates = ()
    if route == "gated" and gate_strength:
        gates = tuple(GateInput(float(t0), duration, gate_strength, ms.memory.astype(float)) for t0 in onsets)
    run = run_protocol(ms, t_max, u=u, batch=n_trials, dt=dt, record_every=max(1, int(round(t_max / dt))),
                       state_pulses=pulses if route == "state" else (),
                       gated_pulses=pulses if route == "gated" else (), gate_inputs=gates, noise=noise,
                       noise_seed=seed)
    sums = amps.sum(axis=0)
    m = run.readout[-1]
    return {"sums": sums, "readout": m, "final_h": run.final[0].T.copy(), "amplitudes": amps,
            "relative_error": float(np.sqrt(np.mean((m - sums) ** 2) / np.mean(sums**2)))}


def reset_trace(ms: MarginalState, strength: float, *, u=None, amplitude: float = 0.1,
                duration: float = 20.0, hold: float = 2.0, dt: float = 0.05, record_every: int = 2,
                return_start: bool = False):
    """Store a trace, hold, then apply I^z = ``strength`` to every unit for ``duration``.

    Returns (t, d): time since the reset onset and the trace d(t) = m_stored - m_reference (the
    same network and reset without the stored pulse), normalised to d(0) = 1; with
    ``return_start`` also the state difference (3, N) stored - reference at the reset onset.
    """
    u = ms.direction() if u is None else u
    pulses = PulseTrain([STORE_ONSET], [[amplitude, 0.0]], STORE_DURATION, u)
    t_on = STORE_ONSET + STORE_DURATION + hold
    first = run_protocol(ms, t_on, u=u, batch=2, state_pulses=pulses, dt=dt, record_every=1)
    gate = GateInput(0.0, duration, strength)
    run = run_protocol(ms, duration, u=u, batch=2, gate_inputs=gate, dt=dt, record_every=record_every,
                       y0=first.final)
    d = run.readout[:, 0] - run.readout[:, 1]
    if return_start:
        return run.t, d / d[0], first.final[:, :, 0] - first.final[:, :, 1]
    return run.t, d / d[0]


def reset_linear_trace(ms: MarginalState, strength: float, dx0: np.ndarray, duration: float, *,
                       u=None, dt: float = 0.05, record_every: int = 2):
    """Readout of the dynamics linearised around the reference reset trajectory.

    Notes
    -----
    Without a stored trace the reset leaves h = h*, r = r* and drives z(t) = z* + R(1 - e^{-t/tau_z})
    exactly (Jz phi(h*) = z*). A stored deviation dx obeys d(dx)/dt = Jac(x_ref(t)) dx to first
    order (theory.jacobian, RK4 with the Jacobian at each stage time): the leak of every opened
    unit together with the couplings among units, with no approximation beyond linearisation.
    """
    u = ms.direction() if u is None else u
    p = ms.params

    class _Lin:
        def vector_field(self, t, v):
            ref = ms.state.copy()
            ref[1] = ms.state[1] + strength * (1.0 - math.exp(-t / p.tau_z))
            return ms.network.linearize(t, ref).apply(v)

    steps = n_steps(duration, dt, "duration")
    v = np.array(dx0, float)
    out = [float(u @ v[0])]
    for i in range(steps):
        v = step(_Lin(), i * dt, v, dt)
        if (i + 1) % record_every == 0:
            out.append(float(u @ v[0]))
    out = np.array(out)
    return dt * record_every * np.arange(out.size), out / out[0]


def reset_time(ms: MarginalState, strength: float, *, u=None, duration: float = 20.0,
               linear: bool = False, **kw) -> dict:
    """Measured time for the trace to fall to 1/e under a reset of given strength, with the
    leak-only predictions from the network's z_j* and from the population (static MFT); with
    ``linear`` also the time of the linearisation around the reference reset trajectory."""
    u = ms.direction() if u is None else u
    t, d, dx0 = reset_trace(ms, strength, u=u, duration=duration, return_start=True, **kw)
    net = reset_curve_theory(ms.params, ms.state[1], u**2, strength, t)
    pop = reset_curve_population(ms.params, ms.branch, strength, t, ms.memory_threshold)
    out = {"measured": crossing_time(t, d), "network": crossing_time(t, net),
           "theory": crossing_time(t, pop), "t": t, "d": d, "d_network": net, "d_theory": pop}
    if linear:
        _, dl = reset_linear_trace(ms, strength, dx0, duration, u=u, dt=kw.get("dt", 0.05),
                                   record_every=kw.get("record_every", 2))
        out["linear"], out["d_linear"] = crossing_time(t, dl), dl
    return out


__all__ = ["DEFAULT_PARAMS", "MarginalState", "marginal_state", "slow_mode_count", "predicted_slow_fraction",
           "PulseTrain", "GateInput", "Run", "run_protocol", "readout", "fit_linear_readout",
           "memory_curve_theory", "memory_curve_network", "reset_curve_theory",
           "reset_curve_population", "crossing_time", "memory_trace", "memory_time",
           "integration_trials", "reset_trace", "reset_time", "linear_trace", "reset_linear_trace"]
