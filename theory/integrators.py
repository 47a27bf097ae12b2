"""Fixed-step integrators (RK4, Euler) and the exact linearisation of their steps.

Notes
-----
RK4: k1 = f(t, y), k2 = f(t + dt/2, y + dt/2 k1), k3 = f(t + dt/2, y + dt/2 k2),
k4 = f(t + dt, y + dt k3), y' = y + dt/6 (k1 + 2 k2 + 2 k3 + k4).
Its tangent map is the derivative of that formula: dk_i = J(stage_i) (V + c_i dt dk_{i-1}),
V' = V + dt/6 (dk1 + 2 dk2 + 2 dk3 + dk4), so Lyapunov exponents computed with it are exactly
those of the discrete map being simulated. Euler: y' = y + dt f(t, y), V' = V + dt J(y) V.
"""

from __future__ import annotations

import numpy as np

METHODS = ("rk4", "euler")


def check_method(method: str) -> str:
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    return method


def step(network, t: float, y: np.ndarray, dt: float, method: str = "rk4") -> np.ndarray:
    """One step of size dt from (t, y); y may be a batch (n_fields, N, B)."""
    f = network.vector_field
    if method == "euler":
        return y + dt * f(t, y)
    k1 = f(t, y)
    k2 = f(t + 0.5 * dt, y + (0.5 * dt) * k1)
    k3 = f(t + 0.5 * dt, y + (0.5 * dt) * k2)
    k4 = f(t + dt, y + dt * k3)
    k2 += k3
    k2 *= 2.0
    k1 += k2
    k1 += k4
    k1 *= dt / 6.0
    k1 += y
    return k1


def step_with_tangent(network, t: float, y: np.ndarray, frame: np.ndarray, dt: float,
                      method: str = "rk4"):
    """One step of the state y (n_fields, N) and of a tangent frame (n_fields, N, k)."""
    ft = network.field_and_tangent
    if method == "euler":
        f1, d1 = ft(t, y, frame)
        return y + dt * f1, frame + dt * d1
    half = 0.5 * dt
    k1, d1 = ft(t, y, frame)
    k2, d2 = ft(t + half, y + half * k1, frame + half * d1)
    k3, d3 = ft(t + half, y + half * k2, frame + half * d2)
    k4, d4 = ft(t + dt, y + dt * k3, frame + dt * d3)
    y_new = y + (dt / 6.0) * (k1 + 2.0 * (k2 + k3) + k4)
    frame_new = frame + (dt / 6.0) * (d1 + 2.0 * (d2 + d3) + d4)
    return y_new, frame_new


def n_steps(duration: float, dt: float, name: str = "duration") -> int:
    """Number of steps of size dt covering ``duration`` (must be a whole multiple within 1e-9)."""
    steps = duration / dt
    rounded = int(round(steps))
    if abs(steps - rounded) > 1e-9 * max(1.0, steps):
        raise ValueError(f"{name} = {duration:g} is not a whole number of steps of dt = {dt:g}")
    return rounded
