"""Adjoint gradients against central finite differences on a small network (CLI ``gradcheck``).

Notes
-----
Reference derivative of L along a direction d (a random unit-Frobenius matrix for each coupling,
a random unit vector for y_0, the unit direction of each scalar parameter): the fourth-order
central difference

    D = [8 (L(+e) - L(-e)) - (L(+2e) - L(-2e))] / (12 e),

truncation O(e^4 L^(5)), round-off O(eps_mach |L| / e); with e = 1e-4 (times max(1, |theta|)) both
are ~1e-13 relative for the default runs. L(.) is evaluated with the network's own stepper
(:func:`theory.adjoint.loss_value`, theory.integrators), independent of the adjoint code.
Relative error of one quantity: |a - D| / max(|a|, |D|, 1e-4 G), G the largest |D| over all
checked quantities. The floor: the difference quotient carries a round-off error of about
10 eps_mach |L| / e ~ 1e-11 |L| (e = 1e-4; the loss sums O(100) steps), which would alone
exceed 1e-6 relative for derivatives below ~1e-5 |L|; derivatives smaller than 1e-4 G are
therefore compared in absolute terms, |a - D| < 1e-10 G. The requirement of the issue is
max_rel_error < 1e-6.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .adjoint import ReadoutLoss, StateLoss, adjoint_gradient, loss_value
from .network import GatedNetwork
from .params import ModelParams, validate_positive, validate_size

REQUIRED = 1e-6
#: Derivatives below FLOOR x the largest are compared in absolute terms (module Notes).
FLOOR = 1e-4
_BOUNDED_BELOW = {"g_h": 0.0, "alpha_z": 0.0, "alpha_r": 0.0, "tau_z": 0.0, "tau_r": 0.0}


@dataclass
class GradCheck:
    """Per-quantity adjoint and finite-difference derivatives and their relative errors."""

    adjoint: dict
    finite_difference: dict
    rel_error: dict
    skipped: list
    max_rel_error: float
    loss: float

    @property
    def passed(self) -> bool:
        return self.max_rel_error < REQUIRED


def _fd(func, x0: float, e: float) -> float:
    v = [func(x0 + s * e) for s in (1.0, -1.0, 2.0, -2.0)]
    return (8.0 * (v[0] - v[1]) - (v[2] - v[3])) / (12.0 * e)


def gradient_check(params: ModelParams, n: int = 8, *, seed: int = 0, duration: float = 2.0,
                   dt: float = 0.05, method: str = "rk4", checkpoint_every: int | None = None,
                   step: float = 1e-4) -> GradCheck:
    """Compare :func:`theory.adjoint.adjoint_gradient` with finite differences (module Notes).

    The loss is a running StateLoss (target 0.1) plus a terminal ReadoutLoss (seeded weights,
    target 0.5), so every parameter, coupling and the initial state enter.
    Parameters whose +-2e stencil leaves their allowed range (alpha_z = 0, ...) are skipped and
    listed in ``skipped``.
    """
    n = validate_size(n)
    if n > 64:
        raise ValueError(f"n must be <= 64 for a finite-difference check (cost ~ n_params x n), got {n}")
    step = validate_positive("step", step)
    net = GatedNetwork(params, n, seed)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 8]))
    y0 = net.initial_state()
    if params.is_gated:
        y0[1:] = 0.5 * rng.standard_normal(y0[1:].shape)
    loss = StateLoss(target=0.1)
    term = ReadoutLoss(rng.standard_normal((1, n)) / np.sqrt(n), target=0.5)
    kw = dict(method=method, loss=loss, terminal_loss=term)
    res = adjoint_gradient(net, y0, duration, dt, checkpoint_every=checkpoint_every, **kw)
    adj, fd, skipped = {}, {}, []
    # couplings along random unit directions
    for name, grad in res.grad_couplings.items():
        d = rng.standard_normal((n, n))
        d /= np.linalg.norm(d)

        def f_j(x, name=name, d=d):
            other = GatedNetwork(params, n, seed)
            getattr(other, name)[...] += x * d
            return loss_value(other, y0, duration, dt, **kw)

        adj[name] = float(np.sum(grad * d))
        fd[name] = _fd(f_j, 0.0, step)
    u = rng.standard_normal(y0.shape)
    u /= np.linalg.norm(u)
    adj["y0"] = float(np.sum(res.grad_y0 * u))
    fd["y0"] = _fd(lambda x: loss_value(net, y0 + x * u, duration, dt, **kw), 0.0, step)
    for name, value in res.grad_params.items():
        x0 = getattr(params, name)
        if callable(x0) or np.ndim(x0) > 0:
            skipped.append(name)
            continue
        e = step * max(1.0, abs(x0))
        if name in _BOUNDED_BELOW and x0 - 2 * e <= _BOUNDED_BELOW[name]:
            skipped.append(name)
            continue
        adj[name] = value
        fd[name] = _fd(lambda x, name=name: loss_value(GatedNetwork(params.replace(**{name: x}), n, seed),
                                                       y0, duration, dt, **kw), x0, e)
    scale = max(abs(v) for v in fd.values())
    rel = {k: abs(adj[k] - fd[k]) / max(abs(adj[k]), abs(fd[k]), FLOOR * scale) for k in adj}
    return GradCheck(adj, fd, rel, skipped, max(rel.values()), res.loss)
