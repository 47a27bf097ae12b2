"""Analytic Jacobian of the network vector field: matrix-free (on blocks of vectors) and dense.

Notes
-----
With diagonal factors evaluated at the state (THEORY.md section 3)::

    d(dh) = [s_z] (-dh + Jh ([s_r phi'] dh + [phi s_r'] dr)) + [s_z' drive] dz
    d(dz) = (-dz + Jz [phi'] dh) / tau_z
    d(dr) = (-dr + Jr [phi'] dh) / tau_r

where drive = -h + Jh (s_r phi) + I^h, so that dh/dt = s_z drive. The additive model has
d(dh) = -dh + Jh [phi'] dh. Couplings are applied to the whole block at once (one BLAS-3 call
for Jz and Jr stacked, one for Jh); no diag * J product is ever formed in ``apply``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Linearization:
    """Diagonal factors of the Jacobian at one state; ``apply`` is the Jacobian-times-block.

    Attributes
    ----------
    dphi : phi'(h)
    s_z, dz_coef : s_z and s_z'(z) * drive (gated only)
    dh_coef, dr_coef : s_r phi' and phi s_r' (gated only)
    """

    network: "object"
    dphi: np.ndarray
    s_z: np.ndarray | None = None
    dz_coef: np.ndarray | None = None
    dh_coef: np.ndarray | None = None
    dr_coef: np.ndarray | None = None

    def apply(self, v: np.ndarray) -> np.ndarray:
        """J v for v of shape (n_fields, N) or a block (n_fields, N, k)."""
        net = self.network
        a, b = self.coupling_inputs(v)
        return self.assemble(None if a is None else net.J_zr @ a, net.Jh @ b, v)

    def coupling_inputs(self, v: np.ndarray):
        """The blocks the couplings act on: (phi' dh for [Jz; Jr], s_r phi' dh + phi s_r' dr for Jh)."""
        col = (slice(None), None) if v.ndim == 3 else (slice(None),)
        if not self.network.params.is_gated:
            return None, self.dphi[col] * v[0]
        return self.dphi[col] * v[0], self.dh_coef[col] * v[0] + self.dr_coef[col] * v[2]

    def assemble(self, u: np.ndarray | None, w: np.ndarray, v: np.ndarray) -> np.ndarray:
        """J v from the coupling products u = [Jz; Jr] (phi' dh) and w = Jh (...) of ``apply``."""
        net = self.network
        col = (slice(None), None) if v.ndim == 3 else (slice(None),)
        out = np.empty_like(v)
        w = w - v[0]
        if not net.params.is_gated:
            out[0] = w
            return out
        p, n = net.params, net.n
        np.multiply(self.s_z[col], w, out=out[0])
        out[0] += self.dz_coef[col] * v[1]
        np.subtract(u[:n], v[1], out=out[1])
        out[1] /= p.tau_z
        np.subtract(u[n:], v[2], out=out[2])
        out[2] /= p.tau_r
        return out

    def dense(self) -> np.ndarray:
        """The full (n_fields N) x (n_fields N) Jacobian matrix, fields ordered (h, z, r)."""
        net = self.network
        n = net.n
        if not net.params.is_gated:
            jac = net.Jh * self.dphi[None, :]
            jac[np.diag_indices(n)] -= 1.0
            return jac
        p = net.params
        jac = np.zeros((3 * n, 3 * n))
        h, z, r = slice(0, n), slice(n, 2 * n), slice(2 * n, 3 * n)
        jac[h, h] = self.s_z[:, None] * net.Jh * self.dh_coef[None, :]
        jac[h, h][np.diag_indices(n)] -= self.s_z
        jac[h, z][np.diag_indices(n)] = self.dz_coef
        jac[h, r] = self.s_z[:, None] * net.Jh * self.dr_coef[None, :]
        jac[z, h] = net.Jz * (self.dphi / p.tau_z)[None, :]
        jac[z, z][np.diag_indices(n)] = -1.0 / p.tau_z
        jac[r, h] = net.Jr * (self.dphi / p.tau_r)[None, :]
        jac[r, r][np.diag_indices(n)] = -1.0 / p.tau_r
        return jac


def jacobian(network, state: np.ndarray, t: float = 0.0) -> np.ndarray:
    """Dense Jacobian of the vector field at ``state`` (shape (n_fields, N)) and time t."""
    return network.linearize(t, state).dense()


def jacobian_apply(network, state: np.ndarray, block: np.ndarray, t: float = 0.0) -> np.ndarray:
    """Matrix-free Jacobian times ``block`` (shape (n_fields, N) or (n_fields, N, k))."""
    return network.linearize(t, state).apply(block)
