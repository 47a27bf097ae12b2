"""Activation and gate functions, numerically stable for gate slopes up to alpha ~ 1e3 and beyond.

Notes
-----
phi(x) = tanh(g x + b),            phi'(x) = g (1 - phi(x)^2)
sigma(x) = expit(alpha x - beta),  sigma'(x) = alpha sigma(x) (1 - sigma(x))

``expit`` never overflows; sigma (1 - sigma) is formed from sigma(x) and sigma(-x) evaluated
separately so that it keeps full relative precision in both tails (no 1 - 1 cancellation).
phi' = g (1 - phi^2) is accurate to ~1e-16 g in absolute terms (relative accuracy is lost only
where phi' < 1e-16 g, i.e. |g x + b| > 19, which no Jacobian or Gaussian average resolves).
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit


def phi(x, g: float, beta: float = 0.0, out=None):
    """Activation tanh(g x + beta)."""
    out = np.multiply(x, g, out=out)
    if beta:
        out += beta
    return np.tanh(out, out=out)


def dphi_from_phi(phi_value, g: float, out=None):
    """phi' = g (1 - phi^2), from the value of phi."""
    out = np.square(phi_value, out=out)
    np.subtract(1.0, out, out=out)
    out *= g
    return out


def sigmoid(x, alpha: float, beta: float, out=None):
    """Gate sigma(x) = 1 / (1 + exp(-alpha x + beta))."""
    out = np.multiply(x, alpha, out=out)
    if beta:
        out -= beta
    return expit(out, out=out)


def dsigmoid(x, alpha: float, beta: float):
    """Gate slope sigma'(x) = alpha sigma(x) sigma(-(alpha x - beta) ) (full relative precision)."""
    u = np.multiply(x, alpha)
    if beta:
        u -= beta
    return alpha * expit(u) * expit(-u)
