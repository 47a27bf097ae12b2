"""Critical gains g_h of the transitions (THEORY.md section 6): first lines.

Notes
-----
- ``g_instability``: the quiescent state D = 0 loses linear stability where the bulk edge of its
  Jacobian spectrum crosses Re lambda = 0, i.e. F(0) = 1 at D_h = D_z = D_r = 0 (generated
  ``spectral_curve``; F(0) <= F(lambda) on the right half-plane, see theory.static_mft). With
  beta_h = 0 and I_h = 0, F(0)|_{D=0} = g_h^2 sigma_r(I_r)^2, so g_instability = 1 + e^{beta_r}
  for zero inputs; it is found here by root-finding F(0; g_h) = 1, not from the closed form.
- ``g_topological``: the smallest g_h at which nonzero fixed points (nonzero roots of the static
  equation) exist. For small alpha_r the nonzero branch leaves D = 0 continuously at
  g_instability; for large alpha_r it appears earlier through a saddle-node g_FP < g_instability.
- ``g_chaos``: onset of the chaotic DMFT solution (beta_h = 0, zero inputs), see :func:`chaos_onset_line`:
  constant gates: theory.dmft.chaos_onset_gain (continuous at g_h s_r = 1); alpha_z = 0,
  alpha_r > 0: the fold of the deterministic output-gate DMFT branch
  (theory.dmft_output_gate.chaos_onset; ``discontinuous`` when the branch appears at a fold with
  lambda_max > 0); alpha_z > 0, alpha_r = 0: g_h s_r = 1 (small-amplitude argument); alpha_z > 0,
  alpha_r > 0: the minimum of the chaotic branch of the fixed-amplitude sampling DMFT
  (theory.dmft_sampling_onset; minutes, so only with ``sampled_onset=True``, else None).
g_instability and g_topological are defined only when D = 0 is a fixed point for every g_h (beta_h = 0, I_h = 0);
otherwise they are None.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from ._generated import kwargs_for, load
from .dmft import chaos_onset_gain
from .errors import ConvergenceError
from .gates import sigmoid
from .gaussian import independent_average
from .params import ModelParams
from .static_mft import (DEFAULT_TOL, _check_params, _Reduced, count_nonzero_branches,
                         critical_values)


@dataclass
class Transitions:
    """Critical g_h values for given gate parameters (None where undefined or not computed).

    ``g_chaos_stderr`` is the statistical error of a sampled g_chaos (0 for the deterministic ones).
    """

    g_instability: float | None
    g_topological: float | None
    g_chaos: float | None = None
    discontinuous: bool | None = None
    saddle_node: bool | None = None
    delta_h_topological: float | None = None
    g_chaos_stderr: float | None = None

    def as_dict(self) -> dict:
        return {"g_instability": self.g_instability, "g_topological": self.g_topological,
                "g_chaos": self.g_chaos, "discontinuous": self.discontinuous,
                "saddle_node": self.saddle_node, "delta_h_topological": self.delta_h_topological,
                "g_chaos_stderr": self.g_chaos_stderr}


def zero_is_fixed_point(params: ModelParams) -> bool:
    """D_h = 0 solves the static equations for every g_h (checked at two gains: phi(I_h) = 0)."""
    _check_params(params)
    return all(bool(_Reduced(params.replace(g_h=g)).zero_fixed_point()) for g in (1.0, 2.0))


def F0_quiescent(params: ModelParams, g_h=None) -> float:
    """F(0) of the quiescent fixed point (D_h = D_z = D_r = 0) at gain ``g_h``.

    Notes
    -----
    F(0) = <phi'^2> (<sigma_r^2> + <phi^2> <sigma_r'^2>) at zero variances (generated
    ``spectral_curve`` at lambda = 0; additive: <phi'^2>).
    """
    p = params if g_h is None else params.replace(g_h=float(g_h))
    gen = load(p.model)
    avg = functools.partial(independent_average, tol=DEFAULT_TOL)
    kw = kwargs_for(gen.spectral_curve, p)
    zeros = (0.0,) * len(gen.VARIANCES)
    return float(gen.spectral_curve(*zeros, 0.0, 0.0, average=avg, **kw)[0])


def quiescent_disk(params: ModelParams) -> tuple[float, float]:
    """(s_z, g_eff) of the quiescent fixed point: its (h, r) Jacobian block is s_z(-1 + g_eff w),
    w in the unit disk at N = infinity (the circular law of Jh).

    Notes
    -----
    At h = 0 (beta_h = 0, I_h = 0): g_eff^2 = F(0)|_{D=0} = phi'(0)^2 sigma_r(I_r)^2 (generated,
    :func:`F0_quiescent`) and s_z = sigma_z(I_z) (additive: 1). Raises ValueError when D = 0 is not
    a fixed point.
    """
    if not zero_is_fixed_point(params):
        raise ValueError("the quiescent state needs beta_h = 0 and I_h = 0 (h = z = r = 0 a fixed point)")
    s_z = 1.0
    if params.is_gated:
        s_z = float(sigmoid(np.atleast_1d(float(params.I_z)), params.alpha_z, params.beta_z)[0])
    return s_z, math.sqrt(F0_quiescent(params))


def quiescent_rate(params: ModelParams) -> float:
    """Right edge s_z (g_eff - 1) of the bulk of the quiescent Jacobian spectrum (N = infinity;
    :func:`quiescent_disk`); the gate variables add -1/tau_z, -1/tau_r, not included."""
    s_z, g_eff = quiescent_disk(params)
    return s_z * (g_eff - 1.0)


def g_instability(params: ModelParams, *, xtol: float = 1e-13) -> float | None:
    """g_h at which the quiescent state loses stability: F(0; g_h) = 1 at D = 0.

    Returns None when D = 0 is not a fixed point (beta_h != 0 or I_h != 0).

    Notes
    -----
    F(0)|_{D=0} = phi'(I_h)^2 sigma_r(I_r)^2 increases from 0 with g_h; the root is bracketed by
    doubling and refined by Brent's method. For zero inputs it equals 1 + e^{beta_r}.
    """
    if not zero_is_fixed_point(params):
        return None
    hi = 1.0
    while F0_quiescent(params, hi) < 1.0:
        hi *= 2.0
        if hi > 1e12:
            return None  # the quiescent state never destabilises (sigma_r = 0)
    return float(brentq(lambda g: F0_quiescent(params, g) - 1.0, 0.0, hi, xtol=xtol, rtol=1e-15))


def critical_output_gate_input(params: ModelParams, *, i_max: float = 50.0,
                               xtol: float = 1e-13) -> float | None:
    """Static input I_r to the output gates at which the quiescent state of ``params`` (its g_h)
    loses stability: F(0; I_r) = 1 at D = 0; None if no I_r in [-i_max, i_max] does it.

    Notes
    -----
    F(0)|_{D=0} = phi'(0)^2 sigma_r(I_r)^2 (beta_h = I_h = 0) grows with I_r for alpha_r > 0: an
    input that opens the output gates raises the effective gain g_h sigma_r(alpha_r I_r - beta_r)
    through 1, so a stable network becomes unstable (and chaotic: input-induced chaos). Root of
    F0_quiescent in I_r by Brent's method.
    """
    if not params.is_gated or params.alpha_r <= 0:
        raise ValueError("input-induced instability needs a gated model with alpha_r > 0")
    if not zero_is_fixed_point(params.replace(I_r=0.0)):
        return None

    def f(i_r):
        return F0_quiescent(params.replace(I_r=float(i_r))) - 1.0

    if f(-i_max) > 0:
        return -math.inf  # already unstable with closed gates
    if f(i_max) < 0:
        return None
    return float(brentq(f, -i_max, i_max, xtol=xtol, rtol=1e-15))


def g_topological(params: ModelParams, *, xtol: float = 1e-9, n_grid: int = 48,
                  tol: float = DEFAULT_TOL) -> tuple[float | None, bool | None, float | None]:
    """Smallest g_h with nonzero fixed points; (g, appears_by_saddle_node, delta_h there).

    Notes
    -----
    The number of nonzero roots of the static equation is counted on a grid of g_h in
    (0, g_instability) (always >= 1 just above g_instability, where H(0+) = 1 - F(0) < 0 < H(1));
    the first change is bisected to ``xtol``. No nonzero root below g_instability means the
    branch leaves D = 0 continuously there.
    """
    g_inst = g_instability(params)
    if g_inst is None:
        return None, None, None
    gs = g_inst * np.linspace(0.02, 1.0, n_grid)
    gs[-1] = g_inst * (1 - 1e-7)

    def count(g):
        return count_nonzero_branches(params.replace(g_h=float(g)), tol=tol)

    prev = None
    for g in gs:
        if count(g) > 0:
            a = prev if prev is not None else 0.0
            b = g
            while b - a > xtol:
                mid = 0.5 * (a + b)
                if count(mid) > 0:
                    b = mid
                else:
                    a = mid
            g_fp = 0.5 * (a + b)
            crit_d, crit_f, _ = critical_values(params.replace(g_h=float(b)), tol=tol)
            d_fp = float(crit_d[np.argmin(np.abs(crit_f))]) if crit_d.size else None
            return float(g_fp), True, d_fp
        prev = g
    return g_inst, False, 0.0


def transitions(params: ModelParams, *, dmft_onset: bool = True, sampled_onset: bool = False) -> Transitions:
    """The transition lines for the gate parameters of ``params`` (its g_h is ignored).

    ``dmft_onset=False`` skips the output-gate DMFT onset (alpha_z = 0, alpha_r > 0: 10-30 s per
    gate setting, cached), leaving g_chaos and discontinuous None there; the closed-form cases are
    always filled. ``sampled_onset=True`` fills them for alpha_z > 0, alpha_r > 0 from the sampling
    DMFT (:func:`theory.dmft_sampling_onset.chaos_onset_sampling`, 10-30 min; its standard error
    goes to ``g_chaos_stderr``).

    Notes
    -----
    See the module Notes and :func:`chaos_onset_line` for g_chaos and discontinuous.
    """
    g_inst = g_instability(params)
    g_top, sn, d_top = g_topological(params) if g_inst is not None else (None, None, None)
    g_chaos, discontinuous = None, None
    if g_inst is not None and (dmft_onset or not (params.is_gated and params.alpha_z == 0 and params.alpha_r > 0)):
        g_chaos, discontinuous = chaos_onset_line(params)
    g_chaos_se = 0.0 if g_chaos is not None else None
    if g_inst is not None and g_chaos is None and sampled_onset and params.is_gated and params.alpha_z > 0:
        from .dmft_sampling_onset import chaos_onset_sampling

        on = chaos_onset_sampling(params)
        g_chaos, discontinuous, g_chaos_se = on.g_chaos, on.discontinuous, on.g_chaos_stderr
    return Transitions(g_inst, g_top, g_chaos, discontinuous, sn, d_top, g_chaos_se)


@functools.lru_cache(maxsize=256)
def _output_gate_onset(alpha_r: float, beta_r: float, beta_z: float, tau_r: float):
    from .dmft_output_gate import chaos_onset

    p = ModelParams.gated(1.0, alpha_r=alpha_r, beta_r=beta_r, beta_z=beta_z, tau_r=tau_r)
    return chaos_onset(p, n=ONSET_GRID[0], tau_max=ONSET_GRID[1] / float(sigmoid(np.zeros(1), 0.0, beta_z)[0]))


def output_gate_onset(params: ModelParams):
    """theory.dmft_output_gate.chaos_onset for the gates of ``params`` (alpha_z = 0) on the
    ONSET_GRID, cached per (alpha_r, beta_r, beta_z, tau_r)."""
    return _output_gate_onset(float(params.alpha_r), float(params.beta_r), float(params.beta_z),
                              float(params.tau_r))


#: Lag grid (points, half period in units of 1/s_z) of the onset search: g_chaos changes by < 1e-4
#: against (512, 60) at alpha_r = 20 (tests/test_dmft_output_gate.py).
ONSET_GRID = (256, 30.0)  # half period 60 at s_z = 1/2: step 0.47


def chaos_onset_line(params: ModelParams) -> tuple[float | None, bool | None]:
    """(g_chaos, discontinuous) for the gate parameters of ``params`` (its g_h ignored).

    Notes
    -----
    * Constant gates (alpha_z = alpha_r = 0): g_chaos = 1 / s_r, continuous (theory.dmft).
    * alpha_z = 0, alpha_r > 0: the deterministic output-gate DMFT (h, r Gaussian). Its chaotic
      branch, parametrised by the variance D_x = g_h^2 C_h(0), is continued from D_x = 1 down
      to 1e-3 (16 points) and g_chaos = min_D g_h(D) (theory.dmft_output_gate.chaos_onset). An interior
      minimum is a fold (saddle-node of the DMFT, refined by Brent's method in log D_x);
      discontinuous = lambda_max > 0 there (lambda jumps from the quiescent rate
      s_z (g_h s_r - 1) < 0 to a positive value). Otherwise g_h(D) decreases to D -> 0 and the
      onset is continuous at g_h s_r = 1.
    * alpha_z > 0, alpha_r = 0: g_chaos = 1 / s_r, continuous. Small-amplitude argument: near
      onset C_phi -> 0, so the update-gate field has variance C_z(0) <= C_phi(0) -> 0 and
      sigma_z(z) = s_z + O(C_phi^(1/2)); the linearised lag equation for C_h at vanishing
      amplitude is the constant-gate one, whose decaying mode appears at g_h s_r = 1 (tail
      rate k^2 = s_z^2 (1 - (g_h s_r)^2) -> 0). This fixes where the small-amplitude branch is
      born; that no chaotic branch exists below it (no fold) is the constant-gate result and
      is checked by networks (tests/test_transitions.py) and, at alpha_z = 2, by the sampled
      branch of theory.dmft_sampling_onset (g_h(A) falls monotonically to 2.043 at A = 0.02),
      not proven for every alpha_z.
    * alpha_z > 0, alpha_r > 0: None here (h is not Gaussian); :func:`transitions` with
      ``sampled_onset=True`` takes the minimum of the chaotic branch g_h(A) of the
      fixed-amplitude sampling DMFT (theory.dmft_sampling_onset), with a statistical error.
    """
    if params.model == "additive" or (params.alpha_z == 0 and params.alpha_r == 0):
        try:
            return chaos_onset_gain(params), False
        except ValueError:
            return None, None
    if not params.is_gated:
        return None, None
    if params.alpha_r == 0:
        s_z, g_eff = quiescent_disk(params.replace(g_h=1.0))
        return 1.0 / g_eff, False
    if params.alpha_z != 0:
        return None, None
    try:
        on = output_gate_onset(params)
    except ConvergenceError:   # branch not followed to its fold or to D -> 0 (documented above)
        return None, None
    return float(on.g_chaos), bool(on.discontinuous)


__all__ = ["Transitions", "transitions", "g_instability", "g_topological", "F0_quiescent",
           "zero_is_fixed_point", "critical_output_gate_input", "quiescent_disk", "quiescent_rate",
           "chaos_onset_line", "output_gate_onset"]
