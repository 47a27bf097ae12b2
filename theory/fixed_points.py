"""Fixed points of a finite network: damped Newton from many starts, stability from eigenvalues.

Notes
-----
Since s_z > 0, a fixed point satisfies z* = Jz phi(h*) + I^z, r* = Jr phi(h*) + I^r and

    G(h) = -h + Jh (sigma_r(Jr phi(h) + I^r) phi(h)) + I^h = 0,

an N-dimensional equation (the update gate does not enter, THEORY.md section 2), solved by
Newton with backtracking on |G| using

    DG = -1 + Jh ([s_r phi'] + [phi s_r'] Jr [phi']).

(additive model: G = -h + Jh phi(h) + I^h, DG = -1 + Jh [phi']). At a fixed point the dz column
of the Jacobian vanishes (it multiplies dh/dt), so the spectrum is that of the (h, r) block plus
N eigenvalues at -1/tau_z.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import ConvergenceError
from .gates import dphi_from_phi, dsigmoid, phi, sigmoid


@dataclass
class FixedPoint:
    """A fixed point with its Newton residual and (optionally) its Jacobian eigenvalues."""

    state: np.ndarray
    residual: float
    n_iter: int
    eigenvalues: np.ndarray | None = None

    @property
    def max_real(self) -> float:
        """Largest real part of the Jacobian eigenvalues (NaN if not computed)."""
        return float(np.max(self.eigenvalues.real)) if self.eigenvalues is not None else np.nan

    @property
    def stable(self) -> bool:
        """No eigenvalue with positive real part (marginal directions count as stable)."""
        return bool(self.max_real <= 0.0)

    @property
    def delta_h(self) -> float:
        """Empirical variance of h* across units (mean of h^2, the mean-field Delta_h)."""
        return float(np.mean(self.state[0] ** 2))


def _require_static_inputs(network) -> None:
    if network.params.has_time_dependent_input:
        raise ValueError("fixed points need time-independent inputs (I_h, I_z, I_r not callable)")


def _residual_and_jacobian(network, h: np.ndarray, want_jacobian: bool):
    p = network.params
    ph = phi(h, p.g_h, p.beta_h)
    if not p.is_gated:
        g = network.Jh @ ph - h + p.I_h
        if not want_jacobian:
            return g, None
        dg = network.Jh * dphi_from_phi(ph, p.g_h)[None, :]
    else:
        r = network.Jr @ ph + p.I_r
        s_r = sigmoid(r, p.alpha_r, p.beta_r)
        g = network.Jh @ (s_r * ph) - h + p.I_h
        if not want_jacobian:
            return g, None
        dphi = dphi_from_phi(ph, p.g_h)
        inner = (ph * dsigmoid(r, p.alpha_r, p.beta_r))[:, None] * network.Jr * dphi[None, :]
        inner[np.diag_indices(network.n)] += s_r * dphi
        dg = network.Jh @ inner
    dg[np.diag_indices(network.n)] -= 1.0
    return g, dg


def full_state(network, h: np.ndarray) -> np.ndarray:
    """(h, z*, r*) from h, with the gate variables at their fixed-point values."""
    p = network.params
    if not p.is_gated:
        return h[None].copy()
    ph = phi(h, p.g_h, p.beta_h)
    u = network.J_zr @ ph
    return np.stack([h, u[: network.n] + p.I_z, u[network.n :] + p.I_r])


def fixed_point_eigenvalues(network, state: np.ndarray) -> np.ndarray:
    """Eigenvalues of the Jacobian at a fixed point (all n_fields N of them).

    Uses the block structure at a fixed point: eig of the (h, r) block and -1/tau_z (N times).
    """
    jac = network.linearize(0.0, state).dense()
    if not network.params.is_gated:
        return np.linalg.eigvals(jac)
    n = network.n
    keep = np.r_[0:n, 2 * n : 3 * n]
    bulk = np.linalg.eigvals(jac[np.ix_(keep, keep)])
    return np.concatenate([bulk, np.full(n, -1.0 / network.params.tau_z, dtype=complex)])


def find_fixed_point(network, h0: np.ndarray, *, tol: float = 1e-10, max_iter: int = 100,
                     eigenvalues: bool = True) -> FixedPoint:
    """Damped Newton from h0 (shape (N,)); raises ConvergenceError if |G|_inf > tol at the end."""
    _require_static_inputs(network)
    h = np.array(h0, dtype=float)
    if h.shape != (network.n,):
        raise ValueError(f"h0 must have shape ({network.n},), got {h.shape}")
    g, dg = _residual_and_jacobian(network, h, True)
    history = [float(np.max(np.abs(g)))]
    for it in range(1, max_iter + 1):
        try:
            delta = np.linalg.solve(dg, -g)
        except np.linalg.LinAlgError:
            raise ConvergenceError("singular Newton matrix", history) from None
        norm0, step = np.linalg.norm(g), 1.0
        while True:
            trial = h + step * delta
            g_trial, _ = _residual_and_jacobian(network, trial, False)
            if np.linalg.norm(g_trial) < (1 - 1e-4 * step) * norm0 or step < 1e-6:
                break
            step *= 0.5
        h = trial
        g, dg = _residual_and_jacobian(network, h, True)
        history.append(float(np.max(np.abs(g))))
        if history[-1] <= tol:
            state = full_state(network, h)
            eig = fixed_point_eigenvalues(network, state) if eigenvalues else None
            return FixedPoint(state, history[-1], it, eig)
    raise ConvergenceError(f"Newton did not reach |G| <= {tol:g} in {max_iter} iterations", history)


def find_fixed_points(network, n_starts: int = 20, *, scales=(0.5, 1.0, 2.0), seed: int = 0,
                      include_zero: bool = True, tol: float = 1e-10, max_iter: int = 100,
                      distinct_tol: float = 1e-6, eigenvalues: bool = True):
    """Distinct fixed points found by Newton from many random starts.

    Starts are h0 = s xi (xi ~ N(0, 1) per unit, s cycling through ``scales``), plus h0 = 0.
    Two solutions are the same if max |h - h'| < distinct_tol. Returns (fixed_points, n_failed),
    fixed points sorted by Delta_h.
    """
    _require_static_inputs(network)
    rng = np.random.default_rng(np.random.SeedSequence([network.seed, 3, seed]))
    starts = [np.zeros(network.n)] if include_zero else []
    starts += [scales[i % len(scales)] * rng.standard_normal(network.n) for i in range(n_starts)]
    found: list[FixedPoint] = []
    failed = 0
    for h0 in starts:
        try:
            fp = find_fixed_point(network, h0, tol=tol, max_iter=max_iter, eigenvalues=False)
        except ConvergenceError:
            failed += 1
            continue
        if all(np.max(np.abs(fp.state[0] - other.state[0])) >= distinct_tol for other in found):
            found.append(fp)
    if eigenvalues:
        for fp in found:
            fp.eigenvalues = fixed_point_eigenvalues(network, fp.state)
    found.sort(key=lambda fp: fp.delta_h)
    return found, failed
