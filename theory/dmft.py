"""Stationary DMFT of the chaotic state for constant gates (alpha_z = alpha_r = 0).

With constant gates h is Gaussian and its stationary autocorrelation C(tau) = C_h(tau) obeys
the lag equation of ``derivations/dmft.py`` (generated kernel ``energy_potential_terms``)

    -C'' + gamma2 C = weight C_f(C; C0),     C_f(C; C0) = <f(h) f(h')>,  C0 = C(0),

with f = phi (the activation), gamma2 = s_z^2, weight = s_z^2 s_r^2 (additive: 1, 1). By
Price's theorem (d/dC <Phi Phi> = C_f for Phi' = f) this is Newtonian motion C'' = -V'(C) in

    V(C) = -gamma2 C^2 / 2 + weight Q(C),   Q(C) = <Phi(h) Phi(h')>_{C0, C},

and the decaying (chaotic) solution is the separatrix from the turning point C0 to the
maximum of V at C_inf = 0 (beta_h = 0): the energy condition V(C0) = V(0), i.e.

    gamma2 C0^2 / 2 = weight (<Phi^2>_{C0} - <Phi>_{C0}^2)

(in SCS units x = g_h h, Delta0 = g_h^2 C0: Delta0^2 / 2 = g^2 Var[log cosh x]). C(tau) is then
obtained by integrating the Newtonian equation along the separatrix (from the saddle up to the
turning point C(0) = C0, C'(0) = 0; integrating downward from C0 is unstable near onset), and
continued by its exact linear tail C ~ A exp(-k tau), k^2 = gamma2 - weight <f'>_{C0}^2.

Lyapunov exponent (``derivations/tangent.py``, kernel ``lyapunov_constant_gates``): the
tangent DMFT gives, in u = gamma tau (gamma = s_z),

    H psi = -psi'' + U(u) psi = E psi,   U(u) = 1 - w C_{f'}(C(u / gamma)),   w = s_r^2,
    lambda_max = gamma (-1 + sqrt(1 - E0)),  E0 the ground energy of H.

Relaxation time and its relation to lambda_max (derived here; Gaussian case alpha_z = 0):

* tau_relax (the CLI's ``tau_relax``) is the integral time int_0^inf C(tau) dtau / C(0);
  tau_tail = 1/k is the exponential tail time, C(tau) ~ A exp(-tau / tau_tail).
* Differentiating the lag equation, C' solves -C''' + gamma2 C' = weight C_{f'}(C) C',
  i.e. psi_1(u) = C'(u / gamma) satisfies H psi_1 = 0 (weight / gamma2 = w): the odd,
  one-node function C' is the first excited state with E1 = 0 exactly, so E0 < 0 and
  lambda_max > 0 whenever the chaotic solution exists (used as an accuracy check: the
  computed E1 must vanish). Both bound states decay into the continuum U(inf) = (k/gamma)^2:
  the tail rate of C is the decay rate of the E1 = 0 state.
* Near onset (g_h s_r -> 1+, beta_h = 0) the lag equation reduces to C'' = k^2 C - b C^3,
  C = C0 sech(k tau), and H to the Poeschl-Teller operator -d^2 + k_u^2 (1 - 6 sech^2(k_u u)),
  k_u = k / gamma, whose bound states are E0 = -3 k_u^2, E1 = 0. Hence

      lambda_max = gamma (sqrt(1 + 3 / (gamma tau_tail)^2) - 1) ~ 3 / (2 gamma tau_tail^2),

  with tau_relax -> (pi/2) tau_tail. At leading order in eps = g_h s_r - 1:
  g_h^2 delta_h = eps, 1/tau_tail = s_z eps / sqrt(3), lambda_max = s_z eps^2 / 2 (checked in
  tests/test_dmft.py). Validity: leading order in eps only; away from onset the ratio
  lambda_max / [gamma (sqrt(1 + 3 / (gamma tau_tail)^2) - 1)] grows above 1 (about 1.09 at
  g = 1.25, 1.5 at g = 2, 2.0 at g = 3 for the additive model; :func:`relaxation_table`
  tabulates both sides). The exact statements (E1 = 0 with eigenfunction C', tail rate =
  decay rate of that state) hold at every g but need h Gaussian (alpha_z = 0, alpha_r = 0).

Below onset (g_h s_r <= 1, beta_h = 0) there is no chaotic solution; :func:`solve_dmft`
then raises :class:`NoChaoticSolution` or, with ``below_onset="quiescent"``, returns the
quiescent state: delta_h = 0, C = 0, lambda_max = s_z (g_h s_r - 1) (the continuum edge of H
with C = 0, E = 1 - (g_h s_r)^2, reported as e0 = e1; equal to the top of the fixed-point
Jacobian spectrum) and tau_relax = tau_tail = None.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.integrate
import scipy.linalg
from scipy.optimize import brentq

from ._generated import kwargs_for, load
from .dmft_averages import CorrelationTable, correlation_table
from .errors import ConvergenceError
from .gaussian import gaussian_average
from .params import ModelParams

__all__ = ["DMFTResult", "NoChaoticSolution", "solve_dmft", "energy_condition", "poeschl_teller_rate",
           "schroedinger_ground_state", "relaxation_table", "solve_lag_equation"]


class NoChaoticSolution(ValueError):
    """The constant-gate DMFT has no chaotic (decaying, C0 > 0) solution at these parameters."""


@dataclass(frozen=True)
class DMFTResult:
    """Stationary constant-gate DMFT solution.

    Attributes
    ----------
    params : ModelParams
    chaotic : bool
        False for the quiescent state (below onset, ``below_onset="quiescent"``).
    delta_h : float
        C_h(0), the stationary variance of h.
    tau, c_h : ndarray
        Lag grid (tau >= 0) and C_h(tau) on it.
    tau_relax : float or None
        Integral relaxation time int_0^inf C_h / C_h(0).
    tau_tail : float or None
        Exponential tail time 1/k of C_h.
    lambda_max : float
        Largest Lyapunov exponent from the Schroedinger ground state.
    e0, e1 : float
        Ground and first excited energies of H (e1 = 0 exactly in theory; its computed value
        measures the accuracy).
    tolerances : dict
        Accuracies reached: energy-condition residual, table interpolation error, energy
        conservation along the integrated C(tau), E0 change under grid/box refinement, |E1|.
    """

    params: ModelParams
    chaotic: bool
    delta_h: float
    tau: np.ndarray
    c_h: np.ndarray
    tau_relax: float | None
    tau_tail: float | None
    lambda_max: float
    e0: float
    e1: float
    tolerances: dict = field(default_factory=dict)
    correlation: object = field(default=None, repr=False, compare=False)

    def c_h_at(self, tau) -> np.ndarray:
        """C_h(tau) at any lags (the integrated trajectory and its exponential tail)."""
        if self.correlation is None:
            return np.zeros(np.shape(tau))
        return self.correlation(tau)

    def as_dict(self) -> dict:
        return {"delta_h": self.delta_h, "tau_relax": self.tau_relax, "tau_tail": self.tau_tail,
                "lambda_max": self.lambda_max, "chaotic": self.chaotic, "e0": self.e0, "e1": self.e1,
                "corr": {"tau": self.tau.tolist(), "c_h": self.c_h.tolist()},
                "tolerances": dict(self.tolerances)}


# ---- model plumbing ------------------------------------------------------------------------

def _check_params(params: ModelParams) -> None:
    check_stationary_state(params, "constant-gate DMFT")
    if params.is_gated and params.alpha_z != 0:
        raise ValueError("alpha_z > 0 needs the sampling DMFT solver "
                         "(theory.dmft_sampling.solve_dmft_sampling)")
    if params.is_gated and params.alpha_r != 0:
        raise ValueError("alpha_r > 0 (fluctuating output gate) is outside the constant-gate DMFT; "
                         "use theory.dmft_output_gate.solve_dmft_output_gate (alpha_z = 0) or the "
                         "sampling DMFT (theory.dmft_sampling.solve_dmft_sampling)")


def check_stationary_state(params: ModelParams, solver: str) -> None:
    """What every stationary DMFT solver here needs: a ModelParams with beta_h = 0 (C_inf = 0)
    and zero inputs; ``solver`` names the caller in the message."""
    if not isinstance(params, ModelParams):
        raise TypeError(f"params must be a ModelParams, got {type(params).__name__}")
    if params.beta_h != 0:
        raise ValueError(f"beta_h != 0 (C_inf > 0) is not implemented in the {solver}; use beta_h = 0")
    for name in ("I_h", "I_z", "I_r"):
        v = getattr(params, name)
        if callable(v) or np.ndim(v) > 0 or v != 0:
            raise ValueError(f"the stationary DMFT needs zero inputs; {name} = {v!r}")


class _Model:
    """Generated kernels bound to the parameters: terms(h) -> (f, Phi, df) and the constants."""

    def __init__(self, params: ModelParams):
        _check_params(params)
        self.params = params
        self.gen = load("gated" if params.is_gated else "additive")
        self._kw = kwargs_for(self.gen.energy_potential_terms, params)
        _, _, _, gamma2, weight = self.gen.energy_potential_terms(0.0, **self._kw)
        self.gamma2, self.weight = float(gamma2), float(weight)
        lk = kwargs_for(self.gen.lyapunov_constant_gates, params)
        _, w, gamma = self.gen.lyapunov_constant_gates(0.0, **lk)
        self.w, self.gamma = float(w), float(gamma)
        self._lk = lk
        self.g_eff = params.g_h * math.sqrt(self.weight / self.gamma2)

    def terms(self, h):
        f, Phi, df, _, _ = self.gen.energy_potential_terms(h, **self._kw)
        return f, Phi, df

    def lam(self, e0: float) -> float:
        return float(self.gen.lyapunov_constant_gates(e0, **self._lk)[0])


def chaos_onset_gain(params: ModelParams) -> float:
    """The g_h at which the chaotic DMFT solution appears (constant gates; g_h of params ignored).

    Notes
    -----
    The energy residual -gamma2/2 + weight Var[Phi]_{C0} / C0^2 tends to
    (g_h^2 weight - gamma2) / 2 as C0 -> 0+ (Var Phi ~ g_h^2 C0^2 / 2 for phi = tanh(g_h h)), so a
    positive root exists iff g_h s_r = g_h sqrt(weight / gamma2) > 1 (constants from the generated
    ``energy_potential_terms``). The onset g_chaos = sqrt(gamma2 / weight) = 1 / s_r is continuous:
    g_h^2 delta_h = eps at leading order in eps = g_h s_r - 1.
    """
    m = _Model(params)
    return float(params.g_h / m.g_eff) if params.g_h > 0 else float(math.sqrt(m.gamma2 / m.weight))


# ---- energy condition ------------------------------------------------------------------------

def _energy_residual(m: _Model, c0: float, tol: float) -> float:
    """[V(C0) - V(0)] / C0^2 = -gamma2/2 + weight Var[Phi]_{C0} / C0^2 (beta_h = 0)."""
    mean = gaussian_average(lambda h: m.terms(h)[1], c0, tol=tol)
    var = gaussian_average(lambda h: (m.terms(h)[1] - mean) ** 2, c0, tol=tol)
    return -0.5 * m.gamma2 + m.weight * var / c0 ** 2


def energy_condition(params: ModelParams, *, tol: float = 1e-13) -> tuple[float, float]:
    """C0 = C_h(0) of the chaotic solution from the energy condition, and its residual.

    Notes
    -----
    gamma2 C0^2 / 2 = weight (<Phi^2>_{C0} - <Phi>_{C0}^2) with Phi, gamma2, weight from the
    generated ``energy_potential_terms`` (V(C0) = V(C_inf), C_inf = 0 for beta_h = 0). The
    residual divided by C0^2 is positive at small C0 iff g_h s_r > 1 and negative at large C0
    (Var Phi grows like C0); the root is bracketed and found by Brent's method.

    Raises
    ------
    NoChaoticSolution
        if g_h s_r <= 1 (no positive root).
    """
    m = _Model(params)
    if m.g_eff <= 1.0:
        raise NoChaoticSolution(
            f"no chaotic DMFT solution: effective gain g_h s_r = {m.g_eff:.6g} <= 1 (quiescent state)")
    hi = 1.0 / params.g_h ** 2
    while _energy_residual(m, hi, tol) > 0:
        hi *= 2
        if hi > 1e12:
            raise ConvergenceError("energy condition: no upper bracket found")
    lo = hi / 2
    while _energy_residual(m, lo, tol) < 0:
        lo /= 2
        if lo < 1e-14 / params.g_h ** 2:
            raise NoChaoticSolution("energy condition: no positive root (too close to onset?)")
    c0 = brentq(lambda c: _energy_residual(m, c, tol), lo, hi, xtol=1e-300, rtol=1e-15, maxiter=200)
    return c0, float(abs(_energy_residual(m, c0, tol)))


# ---- C(tau) from the Newtonian equation --------------------------------------------------------

def _trajectory(m: _Model, c0: float, table: CorrelationTable, *, start: float = 1e-6, rtol: float = 1e-10):
    """The separatrix, integrated from the saddle C = 0 up to its turning point.

    In reversed lag s = t* - tau the decaying solution grows out of the saddle as
    C = start * c0 exp(k s) (stable direction of integration, unlike the forward shot from C0,
    which the energy error deflects near C = 0). C'' = gamma2 C - weight C_f(C) is invariant
    under tau -> -tau; the integration stops where dC/ds = 0, which defines tau = 0 and the
    turning value C(0) (equal to C0 of the energy condition up to the solver error).
    """
    k2 = m.gamma2 - m.weight * float(table("df", 0.0))
    if k2 <= 0:
        raise ConvergenceError(f"tail rate^2 = {k2:.3g} <= 0: not a decaying solution", residuals=[k2])
    k = math.sqrt(k2)

    def rhs(_, y):
        return [y[1], m.gamma2 * y[0] - m.weight * float(table("f", min(y[0], c0)))]

    def turn(_, y):
        return y[1]
    turn.terminal, turn.direction = True, -1

    # rtol well above the cancellation noise of gamma2 C - weight C_f(C) near onset (~1e-16 / k^2)
    s_max = (math.log(1.0 / start) + 60.0) / k + 60.0
    c_start = start * c0
    sol = scipy.integrate.solve_ivp(rhs, (0.0, s_max), [c_start, k * c_start], method="DOP853",
                                    rtol=rtol, atol=rtol * c0 * 1e-6, dense_output=True, events=(turn,))
    if sol.status != 1 or len(sol.t_events[0]) == 0:
        raise ConvergenceError("the separatrix did not reach a turning point",
                               residuals=[float(sol.y[0, -1] / c0)])
    s_turn = float(sol.t_events[0][0])
    c_turn = float(sol.y_events[0][0][0])
    return sol, k, s_turn, c_turn


def _energy(m: _Model, table, c, dc):
    return 0.5 * dc ** 2 - 0.5 * m.gamma2 * c ** 2 + m.weight * table("Phi", c)


class _Correlation:
    """C(tau) for tau >= 0: the separatrix (reversed lag s = s_turn - tau), then the linear tail."""

    def __init__(self, sol, k, s_turn):
        self.sol, self.k, self.s_turn = sol, k, s_turn
        self.c_start = float(sol.sol(0.0)[0])

    def __call__(self, tau):
        shape = np.shape(tau)
        tau = np.abs(np.atleast_1d(np.asarray(tau, dtype=float))).ravel()
        inside = tau <= self.s_turn
        out = np.empty(tau.shape)
        if np.any(inside):
            out[inside] = self.sol.sol(self.s_turn - tau[inside])[0]
        out[~inside] = self.c_start * np.exp(-self.k * (tau[~inside] - self.s_turn))
        return out.reshape(shape)


# ---- Schroedinger ground state ---------------------------------------------------------------

def sinc_dvr_hamiltonian(potential, half_width: float, n: int):
    """Even- and odd-sector matrices of -d^2/du^2 + U(u), U even, in the sinc DVR.

    Returns (u, even, odd): the grid u_j = j du >= 0 (du = half_width / n), the (n+1) x (n+1)
    even-sector matrix on {e_0, (e_j + e_-j)/sqrt 2} and the n x n odd-sector matrix on
    {(e_j - e_-j)/sqrt 2}, j >= 1.

    Notes
    -----
    Sinc discrete variable representation: T_jj = pi^2 / (3 du^2),
    T_ij = 2 (-1)^(i-j) / (du^2 (i-j)^2); exponentially convergent in du for analytic U and
    bound states that vanish at the box edge. Parity splits H: even sector H_ij = T(i-j) + T(i+j)
    (times sqrt 2 on row/column 0, T(0) + U_0 at 0,0), odd sector H_ij = T(i-j) - T(i+j).
    """
    du = half_width / n
    j = np.arange(0, n + 1)

    def kinetic(d):
        d = np.abs(d)
        safe = np.where(d == 0, 1, d)
        return np.where(d == 0, np.pi ** 2 / 3.0, 2.0 * (-1.0) ** d / safe ** 2) / du ** 2

    u = j * du
    pot = potential(u)
    dm, dp = j[:, None] - j[None, :], j[:, None] + j[None, :]
    even = kinetic(dm) + kinetic(dp)
    even[0, :] = kinetic(j) * math.sqrt(2.0)
    even[:, 0] = even[0, :]
    even[0, 0] = kinetic(np.array(0))
    even += np.diag(pot)
    odd = (kinetic(dm) - kinetic(dp))[1:, 1:] + np.diag(pot[1:])
    return u, even, odd


def schroedinger_ground_state(potential, half_width: float, n: int) -> tuple[float, float]:
    """Lowest even and lowest odd eigenvalues (E0, E1) of -d^2/du^2 + U(u), U even.

    Parameters
    ----------
    potential : callable
        U(u), vectorised and even in u.
    half_width : float
        Box half-width (the sinc basis ends there: bound states must have decayed).
    n : int
        Grid points on u > 0 (u_j = j du, j = -n..n, du = half_width / n).

    Notes
    -----
    Discretisation: :func:`sinc_dvr_hamiltonian`.
    """
    _, even, odd = sinc_dvr_hamiltonian(potential, half_width, n)
    e0 = scipy.linalg.eigh(even, eigvals_only=True, subset_by_index=[0, 0])[0]
    e1 = scipy.linalg.eigh(odd, eigvals_only=True, subset_by_index=[0, 0])[0]
    return float(e0), float(e1)


# ---- the solver ------------------------------------------------------------------------------

def _start_degree(params: ModelParams, c0: float) -> int:
    """First Chebyshev degree tried: the tables vary on the scale 1 / (g_h^2 C0) near C = C0."""
    steep = params.g_h ** 2 * c0
    return 32 if steep < 3 else 64 if steep < 12 else 128 if steep < 40 else 256


def solve_dmft(params: ModelParams, *, tol: float = 1e-10, below_onset: str = "raise",
               n_tau: int = 400) -> DMFTResult:
    """Stationary constant-gate DMFT: delta_h, C_h(tau), tau_relax, lambda_max.

    Parameters
    ----------
    params : ModelParams
        alpha_z = alpha_r = 0 (gated) or the additive model; beta_h = 0; zero inputs.
    tol : float
        Target accuracy for E0 under grid and box refinement (absolute, in units of s_z^2).
    below_onset : {"raise", "quiescent"}
        What to do when g_h s_r <= 1 (module docstring).
    n_tau : int
        Points of the returned C_h(tau) grid.

    Returns
    -------
    DMFTResult

    Notes
    -----
    1. C0 from the energy condition (:func:`energy_condition`);
    2. Chebyshev tables of C_f, Q = <Phi Phi>, C_{f'} in C on [0, C0] (:mod:`theory.dmft_averages`);
    3. C'' = gamma2 C - weight C_f(C) integrated (DOP853) along the separatrix from the saddle
       (C = 1e-6 C0, growing as exp(k s) in reversed lag) to its turning point, which defines
       tau = 0 and must equal C0 ("turning_point" tolerance); beyond, C = A exp(-k tau),
       k^2 = gamma2 - weight C_{f'}(0); the power spectrum of C (FFT of its
       even periodic extension over 80 tail times) must be >= 0 (else ConvergenceError);
    4. E0, E1 of H = -d^2/du^2 + 1 - w C_{f'}(C(u / gamma)) by sinc DVR; box 30 / k_u
       (+ the well), grid refined until E0 changes by < tol; lambda_max = s_z (-1 + sqrt(1 - E0)).

    Raises
    ------
    NoChaoticSolution, ValueError, ConvergenceError
    """
    if below_onset not in ("raise", "quiescent"):
        raise ValueError(f"below_onset must be 'raise' or 'quiescent', got {below_onset!r}")
    m = _Model(params)
    if m.g_eff <= 1.0:
        if below_onset == "raise":
            raise NoChaoticSolution(
                f"no chaotic DMFT solution: g_h s_r = {m.g_eff:.6g} <= 1 (the quiescent state is stable)")
        tau = np.linspace(0.0, 10.0 / m.gamma, n_tau)
        lam = m.gamma * (m.g_eff - 1.0)
        return DMFTResult(params, False, 0.0, tau, np.zeros_like(tau), None, None, lam,
                          1.0 - m.g_eff ** 2, 1.0 - m.g_eff ** 2, {})
    c0, e_res = energy_condition(params)
    table = correlation_table(m.terms, ("f", "Phi", "df"), c0, lower=0.0, degree=_start_degree(params, c0))
    sol, k, t_s, c_turn = _trajectory(m, c0, table)
    corr = _Correlation(sol, k, t_s)
    # energy conservation along the integrated part
    y = sol.sol(np.linspace(0.0, t_s, 200))
    en = _energy(m, table, y[0], y[1])
    e_cons = float(np.max(np.abs(en - en[0])) / (m.gamma2 * c0 ** 2))
    # integral time
    integral = scipy.integrate.quad(lambda t: float(corr(t)), 0.0, t_s, limit=200, epsabs=0,
                                    epsrel=1e-12)[0] + corr.c_start / k
    tau_relax = integral / c0
    # Schroedinger problem in u = gamma tau
    k_u = k / m.gamma
    u_well = m.gamma * max(math.sqrt(c0 / abs(m.gamma2 * c0 - m.weight * float(table("f", c0)))), 1e-3)

    def potential(u):
        return 1.0 - m.w * table("df", corr(u / m.gamma))

    half = 30.0 / k_u + 10.0 * u_well
    n = max(64, int(3 * half / min(u_well, 1.0 / k_u)))
    history = []
    e_prev = None
    while True:
        e0, e1 = schroedinger_ground_state(potential, half, n)
        if e_prev is not None:
            history.append(abs(e0 - e_prev))
            if history[-1] <= tol:
                break
        if n > 6000:
            raise ConvergenceError("Schroedinger ground state not converged in the grid", residuals=history)
        e_prev, n = e0, int(n * 1.5)
    e0_box, _ = schroedinger_ground_state(potential, 1.5 * half, int(1.5 * n))
    lam = m.lam(e0)
    # power spectrum of C (even periodic extension) must be >= 0
    grid = np.arange(4096) * (80.0 / k / 4096)
    spec = np.fft.rfft(corr(np.minimum(grid, 80.0 / k - grid))).real
    spec_min = float(np.min(spec) / np.max(spec))
    if spec_min < -1e-8:
        raise ConvergenceError(f"C_h has a negative power spectrum (min/max = {spec_min:.3g})",
                               residuals=[spec_min])
    tau = np.linspace(0.0, min(t_s + 20.0 / k, 60.0 / k), n_tau)
    tolerances = {"energy_condition": e_res, "turning_point": abs(c_turn - c0) / c0, "table": table.error, "energy_conservation": e_cons,
                  "e0_grid": history[-1], "e0_box": abs(e0_box - e0), "e1": abs(e1)}
    return DMFTResult(params, True, c0, tau, corr(tau), tau_relax, 1.0 / k, lam, e0, e1, tolerances, corr)


def poeschl_teller_rate(tau_tail, gamma):
    """gamma (sqrt(1 + 3 / (gamma tau_tail)^2) - 1): lambda_max of the Poeschl-Teller limit.

    Notes
    -----
    Bound state E0 = -3 k_u^2 of -d^2/du^2 + k_u^2 (1 - 6 sech^2(k_u u)), k_u = 1 / (gamma tau_tail),
    through lambda = gamma (-1 + sqrt(1 - E0)) (:mod:`theory.dmft`).
    """
    tau_tail = np.asarray(tau_tail, float)
    if np.any(tau_tail <= 0) or not gamma > 0:
        raise ValueError(f"tau_tail and gamma must be > 0, got {tau_tail!r}, {gamma!r}")
    return gamma * (np.sqrt(1.0 + 3.0 / (gamma * tau_tail) ** 2) - 1.0)


def relaxation_table(g_values, **model) -> list[dict]:
    """lambda_max vs the relaxation times over g_h (the relation of the module docstring).

    Returns rows {g_h, lambda_max, tau_relax, tau_tail, poeschl_teller, ratio}, with
    poeschl_teller = gamma (sqrt(1 + 3 / (gamma tau_tail)^2) - 1) (exact as g_h s_r -> 1+) and
    ratio = lambda_max / poeschl_teller.
    """
    rows = []
    for g in g_values:
        p = ModelParams.from_dict({"g_h": float(g), **model})
        r = solve_dmft(p)
        pt = float(poeschl_teller_rate(r.tau_tail, _Model(p).gamma))
        rows.append({"g_h": float(g), "lambda_max": r.lambda_max, "tau_relax": r.tau_relax,
                     "tau_tail": r.tau_tail, "poeschl_teller": pt, "ratio": r.lambda_max / pt})
    return rows


def solve_lag_equation(params: ModelParams, *, c_init, tau_max: float, n: int = 512, tol: float = 1e-10,
                       max_iter: int = 30) -> tuple[np.ndarray, np.ndarray, list]:
    """Direct solve of -C'' + gamma2 C = weight C_f(C; C(0)) on a periodic lag grid (cross-check).

    Parameters
    ----------
    c_init : callable
        Initial guess C(tau) (even, decaying).
    tau_max : float
        Half-period of the periodic grid (C must have decayed there).

    Returns
    -------
    tau (n points on [0, 2 tau_max)), C, residual history

    Notes
    -----
    Unknowns C_j = C(tau_j), tau_j = j dtau (periodic, even). Residual
    R(C) = C - F^{-1}[weight F[C_f(C; C_0)] / (omega^2 + gamma2)] (the Green's function is
    applied by FFT). Newton from the initial guess, with the Jacobian
    I - G weight (diag C_{f'}(C) + d C_f / d C0 e_0^T), where
    G is the circulant Green's function, C_{f'} = d C_f / dC by Price's theorem, and the variance
    derivative column is a finite difference in C0. The power spectrum weight F[C_f] / (omega^2 +
    gamma2) must be >= 0 (else ValueError: unphysical solution). Tables in C on [-C0, C0] are
    rebuilt whenever C0 changes. No plain fixed-point stage: at fixed C0 the map
    C -> G weight C_f(C) has a linearised eigenvalue > 1 along the ground state of the Lyapunov
    operator (E0 < 0), so the plain iteration is unstable there; Newton converges
    quadratically from crude guesses (e.g. 0.5 exp(-tau^2 / 20) at g = 1.5).
    """
    m = _Model(params)
    tau = np.arange(n) * (2 * tau_max / n)
    sym = np.minimum(tau, 2 * tau_max - tau)
    omega = 2 * np.pi * np.fft.rfftfreq(n, d=tau[1])
    green_hat = m.weight / (omega ** 2 + m.gamma2)
    c = np.asarray(c_init(sym), dtype=float)

    def tables(c0):
        return correlation_table(m.terms, ("f", "Phi", "df"), c0, lower=-c0)

    def apply_green(v):
        return np.fft.irfft(green_hat * np.fft.rfft(v), n)

    history = []
    col = np.fft.irfft(green_hat, n)                 # circulant first column
    gmat = scipy.linalg.circulant(col)
    for it in range(max_iter):
        c0 = float(c[0])
        tab = tables(c0)
        cf = tab("f", np.clip(c, -c0, c0))
        res = c - apply_green(cf)
        history.append(float(np.max(np.abs(res)) / c0))
        if history[-1] <= tol:
            spec = green_hat * np.fft.rfft(cf).real
            if np.min(spec) < -1e-9 * np.max(np.abs(spec)):
                raise ValueError("lag-equation solution has a negative power spectrum (unphysical)")
            return tau, c, history
        dcf = tab("df", np.clip(c, -c0, c0))
        eps = 1e-6 * c0
        tab2 = tables(c0 + eps)
        dvar = (tab2("f", np.clip(c, -c0, c0)) - cf) / eps
        jac = np.eye(n) - gmat * dcf[None, :]
        jac[:, 0] -= gmat @ dvar
        c = c - np.linalg.solve(jac, res)
    raise ConvergenceError("lag equation (Newton) not converged", residuals=history)
