"""Simulation of finite networks with subsampled observables (memory independent of N x T).

Notes
-----
Integrates dy/dt = f(t, y) (theory.network) with a fixed-step RK4 or Euler scheme
(theory.integrators) for one trajectory or a batch, recording every ``record_every`` steps:
the population average <h^2> = (1/N) sum_i h_i^2 of each trajectory and the full (h, z, r)
traces of a few units. Storage is O((T / (dt record_every)) (n_units + 1) B), never N x T.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .integrators import check_method, n_steps, step
from .params import validate_positive
from .progress import progress_bar


@dataclass
class Trajectory:
    """Recorded observables of a run.

    Attributes
    ----------
    t : (n_records,) times of the records
    mean_h2 : (n_records,) or (n_records, B) population average of h^2
    units : (n_records, n_fields, n_units[, B]) traces of the recorded units
    unit_index : indices of the recorded units
    state : final state
    mean_h2_avg : time average of <h^2> over the recorded window
    """

    t: np.ndarray
    mean_h2: np.ndarray
    units: np.ndarray
    unit_index: np.ndarray
    state: np.ndarray
    dt: float
    method: str
    record_every: int
    meta: dict = field(default_factory=dict)

    @property
    def mean_h2_avg(self):
        return self.mean_h2.mean(axis=0)


def integrate(network, y0: np.ndarray, duration: float, dt: float, method: str = "rk4",
              t0: float = 0.0, progress: bool | None = None, desc: str = "integrate") -> np.ndarray:
    """State after ``duration`` time units from y0 at t0 (no recording)."""
    check_method(method)
    y = network.check_state(y0, "y0")
    steps = n_steps(duration, dt)
    with progress_bar(steps, desc, progress) as bar:
        for i in range(steps):
            y = step(network, t0 + i * dt, y, dt, method)
            bar.update()
    return y


def simulate(network, t_max: float, dt: float = 0.05, *, method: str = "rk4", y0=None,
             t_transient: float = 0.0, record_every: int = 1, record_units: int | np.ndarray = 8,
             progress: bool | None = None) -> Trajectory:
    """Simulate ``network`` and record observables after a transient.

    Parameters
    ----------
    network : GatedNetwork
    t_max : float
        Recorded duration (after the transient).
    dt : float
        Time step.
    method : {"rk4", "euler"}
    y0 : array, optional
        Initial state (n_fields, N) or batch (n_fields, N, B); default ``network.initial_state()``.
    t_transient : float
        Duration integrated before recording starts.
    record_every : int
        Record one step in this many.
    record_units : int or array of int
        Number of units (the first ones) or explicit indices whose traces are kept.
    """
    check_method(method)
    dt = validate_positive("dt", dt)
    validate_positive("t_max", t_max)
    validate_positive("t_transient", t_transient, allow_zero=True)
    if isinstance(record_every, bool) or not isinstance(record_every, (int, np.integer)) or record_every < 1:
        raise ValueError(f"record_every must be an integer >= 1, got {record_every!r}")
    y = network.check_state(network.initial_state() if y0 is None else y0, "y0")
    index = np.arange(min(int(record_units), network.n)) if np.ndim(record_units) == 0 \
        else np.asarray(record_units, dtype=int)
    if index.size and (index.min() < 0 or index.max() >= network.n):
        raise ValueError(f"record_units indices must lie in [0, {network.n})")

    y = integrate(network, y, t_transient, dt, method, progress=progress, desc="transient") \
        if t_transient > 0 else y
    steps = n_steps(t_max, dt, "t_max")
    n_rec = steps // record_every + 1
    mean_h2 = np.empty((n_rec,) + y.shape[2:])
    units = np.empty((n_rec, y.shape[0], index.size) + y.shape[2:])
    times = t_transient + dt * record_every * np.arange(n_rec)

    def record(j, state):
        mean_h2[j] = np.mean(state[0] ** 2, axis=0)
        units[j] = state[:, index]

    record(0, y)
    with progress_bar(steps, "simulate", progress) as bar:
        for i in range(steps):
            y = step(network, t_transient + i * dt, y, dt, method)
            if (i + 1) % record_every == 0:
                record((i + 1) // record_every, y)
            bar.update()
    return Trajectory(times, mean_h2, units, index, y, dt, method, int(record_every))
