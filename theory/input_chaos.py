"""Input-induced chaos by a transient pulse: kick a quiescent network into the chaotic attractor.

Protocol (THEORY.md section 6): in the bistable window of a strong output gate
(g_chaos <= g_h < g_instability) the quiescent state h = z = r = 0 is linearly stable while a
chaotic attractor coexists. A network resting at the quiescent state receives a rectangular
input pulse I^h_i(t) = A xi_i for 0 <= t < t_pulse, xi_i ~ N(0, 1) a seeded pattern; after the
pulse it runs freely and ends either back at rest or on the chaotic attractor.
:func:`pulse_response` runs one trial; :func:`minimal_pulse` bisects the amplitude A between a
failing and a succeeding one.

The outcome is judged at the end of the free run (``t_after``): near the threshold a trajectory
lingers close to the lower saddle fixed point for 100 time units or more, and in finite networks
the chaotic state is itself transient, so the minimal amplitude is sharp only for a given
``t_after`` (notebook 09 measures this).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .network import GatedNetwork
from .params import INPUT_FIELDS, ModelParams, validate_positive
from .simulation import integrate, simulate

#: Final-window <h^2> above which a trial counts as "on the chaotic attractor". For the
#: example of notebook 09 (alpha_r = 20, g_h = 1.9) the quiescent state is 0, the lower
#: (saddle) static branch has D_h = 4e-4 and the chaotic attractor <h^2> ~ 0.03-0.1 at N = 200:
#: 1e-2 separates them.
ACTIVE = 1e-2


@dataclass
class PulseResponse:
    """One pulse trial.

    Attributes
    ----------
    amplitude : pulse amplitude A
    active : whether the final-window mean of <h^2> exceeds ``threshold``
    mean_h2_end : that final-window mean
    mean_h2_after_pulse : <h^2> at the end of the pulse
    t, mean_h2 : recorded <h^2>(t) (time 0 = pulse onset)
    """

    amplitude: float
    active: bool
    mean_h2_end: float
    mean_h2_after_pulse: float
    threshold: float
    t: np.ndarray = field(repr=False)
    mean_h2: np.ndarray = field(repr=False)


def _check_quiescent(params: ModelParams) -> None:
    if not isinstance(params, ModelParams):
        raise ValueError(f"params must be a ModelParams, got {type(params).__name__}")
    inputs = [getattr(params, name) for name in INPUT_FIELDS]
    if params.beta_h != 0 or any(callable(v) or np.any(np.asarray(v) != 0) for v in inputs):
        raise ValueError("the pulse protocol starts at the quiescent state h = z = r = 0, which "
                         "needs beta_h = 0 and no other inputs")


def pulse_pattern(n: int, seed: int) -> np.ndarray:
    """The pulse direction xi ~ N(0, 1)^n, from SeedSequence([seed, 101]) (independent of the
    couplings, which use the network's own children of SeedSequence(seed))."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), 101])).standard_normal(int(n))


def pulse_response(params: ModelParams, n: int, amplitude: float, *, seed: int = 0,
                   t_pulse: float = 1.0, t_after: float = 100.0, t_window: float = 20.0,
                   dt: float = 0.05, threshold: float = ACTIVE, record_every: int = 10,
                   method: str = "rk4") -> PulseResponse:
    """Kick the quiescent network (couplings from ``seed``) with a pulse of amplitude A.

    Parameters
    ----------
    params : ModelParams
        Model without inputs and with beta_h = 0 (so h = z = r = 0 is a fixed point).
    n : int
        Network size.
    amplitude : float
        A >= 0; the pulse is I^h = A xi on [0, t_pulse), xi = :func:`pulse_pattern`.
    t_after : float
        Free run after the pulse; the last ``t_window`` of it decides the outcome.
    threshold : float
        Final-window mean of <h^2> above which the network is ``active`` (chaotic attractor).

    Notes
    -----
    Pulse: dh/dt = sigma_z(z) (-h + Jh sigma_r(r) phi(h) + A xi) for 0 <= t < t_pulse (RK4), then
    the free equations (THEORY.md section 1). With sigma_z ~ s_z the pulse alone drives
    h ~ A xi (1 - exp(-s_z t_pulse)); recurrence adds to it. A trial is active when
    (1/t_window) int <h^2> dt over the last t_window exceeds ``threshold``.
    """
    _check_quiescent(params)
    amplitude = validate_positive("amplitude", amplitude, allow_zero=True)
    t_pulse = validate_positive("t_pulse", t_pulse)
    t_after = validate_positive("t_after", t_after)
    t_window = validate_positive("t_window", t_window)
    if t_window > t_after:
        raise ValueError(f"t_window must be <= t_after, got {t_window} > {t_after}")
    threshold = validate_positive("threshold", threshold)
    free = GatedNetwork(params, n, seed=seed)
    y = np.zeros((free.n_fields, free.n))
    if amplitude > 0:
        kicked = GatedNetwork(params.replace(I_h=amplitude * pulse_pattern(n, seed)), n, seed=seed)
        y = integrate(kicked, y, t_pulse, dt, method)
    h2_pulse = float(np.mean(y[0] ** 2))
    tr = simulate(free, t_after, dt, method=method, y0=y, record_every=record_every,
                  record_units=0)
    t = t_pulse + tr.t
    window = t >= t[-1] - t_window
    h2_end = float(np.mean(tr.mean_h2[window]))
    return PulseResponse(float(amplitude), h2_end > threshold, h2_end, h2_pulse, threshold,
                         np.concatenate([[0.0], t]), np.concatenate([[0.0], tr.mean_h2]))


@dataclass
class MinimalPulse:
    """Bisection result: the smallest active amplitude lies in (a_low, a_high].

    ``trials`` lists every (amplitude, active, mean_h2_end) tried, in order.
    """

    a_low: float
    a_high: float
    seed: int
    trials: list = field(default_factory=list)

    @property
    def amplitude(self) -> float:
        """Geometric midpoint of the final bracket."""
        return math.sqrt(self.a_low * self.a_high)


def minimal_pulse(params: ModelParams, n: int, *, seed: int = 0, a_start: float = 0.01,
                  a_max: float = 10.0, rtol: float = 0.05, max_trials: int = 40,
                  **pulse_kw) -> MinimalPulse:
    """Smallest pulse amplitude that moves the quiescent network onto the chaotic attractor.

    Parameters
    ----------
    a_start : float
        First amplitude tried; it must leave the network quiescent (ValueError otherwise).
    a_max : float
        The amplitude is doubled from ``a_start`` until a pulse makes the network active;
        ValueError if none up to ``a_max`` does (e.g. g_h outside the bistable window).
    rtol : float
        Stop when a_high / a_low <= 1 + rtol.
    **pulse_kw
        Passed to :func:`pulse_response` (t_pulse, t_after, dt, threshold, ...).

    Notes
    -----
    Bracketing by doubling, then geometric bisection: A_mid = sqrt(a_low a_high) replaces the
    end with the same outcome. This returns one crossing from quiescent to active; if the
    outcome is not monotone in A (a chaotic transient that collapses, a fractal basin boundary)
    the bracket still holds one quiescent and one active amplitude, which is all it states.
    """
    _check_quiescent(params)
    if not (0 < a_start < a_max and math.isfinite(a_max)):
        raise ValueError(f"need 0 < a_start < a_max, got a_start={a_start!r}, a_max={a_max!r}")
    if not (0 < rtol < 1):
        raise ValueError(f"rtol must lie in (0, 1), got {rtol!r}")
    trials = []

    def run(a):
        r = pulse_response(params, n, a, seed=seed, **pulse_kw)
        trials.append((r.amplitude, r.active, r.mean_h2_end))
        return r.active

    if run(a_start):
        raise ValueError(f"a_start={a_start} already makes the network (seed {seed}) active; "
                         f"lower a_start")
    a_low, a_high = a_start, 2 * a_start
    while not run(a_high):
        a_low, a_high = a_high, 2 * a_high
        if a_high > a_max:
            raise ValueError(f"no pulse up to a_max={a_max} makes the network (seed {seed}) "
                             f"active (is g_h in the bistable window?)")
    while a_high / a_low > 1 + rtol and len(trials) < max_trials:
        mid = math.sqrt(a_low * a_high)
        if run(mid):
            a_high = mid
        else:
            a_low = mid
    return MinimalPulse(float(a_low), float(a_high), int(seed), trials)


__all__ = ["ACTIVE", "PulseResponse", "MinimalPulse", "pulse_pattern", "pulse_response",
           "minimal_pulse"]
