"""A finite gated (or additive) random network: seeded couplings, inputs and the vector field.

Notes
-----
States have shape (n_fields, N) for one trajectory or (n_fields, N, B) for a batch of B
trajectories (fields ordered h, z, r; n_fields = 1 for the additive model). The vector field
(THEORY.md section 1) is::

    dh/dt = s_z * drive,           drive = -h + Jh (s_r phi(h)) + I^h
    dz/dt = (-z + Jz phi(h) + I^z) / tau_z
    dr/dt = (-r + Jr phi(h) + I^r) / tau_r

Couplings are iid N(0, 1/N). Jz and Jr are stored stacked as one (2N, N) array so a single
BLAS call serves both gates. Each of Jh, Jz, Jr and the initial states has its own child of
``numpy.random.SeedSequence(seed)``: the same seed gives the same Jh for the gated and additive
models, and different seeds give different networks.
"""

from __future__ import annotations

import copy

import numpy as np

from .gates import dphi_from_phi, dsigmoid, phi, sigmoid
from .jacobian import Linearization
from .params import INPUT_FIELDS, ModelParams, validate_size

_CHILD_JH, _CHILD_JZ, _CHILD_JR, _CHILD_STATE = range(4)


class GatedNetwork:
    """A random network of N units with the dynamics of ``params``.

    Parameters
    ----------
    params : ModelParams
    n : int
        Number of units N >= 1.
    seed : int
        Seed of the couplings and of the default initial state.
    """

    def __init__(self, params: ModelParams, n: int, seed: int = 0):
        if not isinstance(params, ModelParams):
            raise ValueError(f"params must be a ModelParams, got {type(params).__name__}")
        self.params = params
        self.n = validate_size(n)
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
        self.seed = int(seed)
        self._children = np.random.SeedSequence(self.seed).spawn(4)
        scale = 1.0 / np.sqrt(self.n)
        self.Jh = self._gaussian(_CHILD_JH, (self.n, self.n)) * scale
        if params.is_gated:
            self.J_zr = np.empty((2 * self.n, self.n))
            self.J_zr[: self.n] = self._gaussian(_CHILD_JZ, (self.n, self.n)) * scale
            self.J_zr[self.n :] = self._gaussian(_CHILD_JR, (self.n, self.n)) * scale
            self.Jz, self.Jr = self.J_zr[: self.n], self.J_zr[self.n :]
        for name in INPUT_FIELDS:
            value = getattr(params, name)
            if isinstance(value, np.ndarray) and value.shape != (self.n,):
                raise ValueError(f"{name} has shape {value.shape}; per-unit inputs need shape ({self.n},)")
        self._active_inputs = frozenset(
            name for name in INPUT_FIELDS
            if callable(getattr(params, name)) or np.any(getattr(params, name) != 0)
        )

    def _gaussian(self, child: int, shape) -> np.ndarray:
        return np.random.default_rng(self._children[child]).standard_normal(shape)

    # ---- shapes and states -------------------------------------------------------------
    @property
    def n_fields(self) -> int:
        return self.params.n_fields

    @property
    def dim(self) -> int:
        """Dimension of the state space, n_fields * N."""
        return self.n_fields * self.n

    def initial_state(self, scale: float = 1.0, batch: int | None = None, seed=None) -> np.ndarray:
        """Gaussian initial state, h ~ N(0, scale^2) and z = r = 0 (shape (F, N) or (F, N, B)).

        ``seed=None`` uses the network's own state seed, so the result is reproducible.
        """
        rng = np.random.default_rng(self._children[_CHILD_STATE] if seed is None else seed)
        tail = () if batch is None else (int(batch),)
        y = np.zeros((self.n_fields, self.n) + tail)
        y[0] = scale * rng.standard_normal((self.n,) + tail)
        return y

    def check_state(self, y: np.ndarray, name: str = "state") -> np.ndarray:
        y = np.asarray(y, dtype=float)
        if y.ndim not in (2, 3) or y.shape[:2] != (self.n_fields, self.n):
            raise ValueError(
                f"{name} must have shape ({self.n_fields}, {self.n}) or ({self.n_fields}, {self.n}, B); "
                f"got {y.shape}"
            )
        if not np.all(np.isfinite(y)):
            raise ValueError(f"{name} must be finite")
        return y

    def astype(self, dtype) -> "GatedNetwork":
        """A shallow copy whose couplings are cast to ``dtype`` ("float64" or "float32").

        The vector field and tangent then run in that precision when given states and blocks of
        that dtype (the gate and activation functions keep the dtype of their input). float64
        returns ``self``.
        """
        dtype = np.dtype(dtype)
        if dtype not in (np.dtype(np.float64), np.dtype(np.float32)):
            raise ValueError(f"dtype must be float64 or float32, got {dtype}")
        if dtype == self.Jh.dtype:
            return self
        out = copy.copy(self)
        out.Jh = self.Jh.astype(dtype)
        if self.params.is_gated:
            out.J_zr = self.J_zr.astype(dtype)
            out.Jz, out.Jr = out.J_zr[: self.n], out.J_zr[self.n :]
        return out

    # ---- inputs ------------------------------------------------------------------------
    def input(self, name: str, t: float, ndim: int):
        """Input ``name`` at time t, shaped to broadcast against a field of ``ndim - 1`` dims."""
        value = getattr(self.params, name)
        if callable(value):
            value = np.asarray(value(t), dtype=float)
            if value.shape not in ((), (self.n,)):
                raise ValueError(f"{name}(t) must return a number or shape ({self.n},); got {value.shape}")
        if np.ndim(value) == 1 and ndim == 3:
            return value[:, None]
        return value

    def _add_input(self, name: str, t: float, target: np.ndarray) -> None:
        """target += input ``name`` at time t (skipped for inputs that are identically zero)."""
        if name in self._active_inputs:
            target += self.input(name, t, target.ndim + 1)

    # ---- dynamics ----------------------------------------------------------------------
    def vector_field(self, t: float, y: np.ndarray) -> np.ndarray:
        """dy/dt at time t for a state or a batch of states."""
        return self._evaluate(t, y, linearize=False)[0]

    def linearize(self, t: float, y: np.ndarray) -> Linearization:
        """Jacobian factors at one state y of shape (n_fields, N)."""
        return self._evaluate(t, y, linearize=True)[1]

    def field_and_linearization(self, t: float, y: np.ndarray):
        """(dy/dt, Linearization) in one pass."""
        return self._evaluate(t, y, linearize=True)

    def field_and_tangent(self, t: float, y: np.ndarray, block: np.ndarray):
        """(dy/dt, J block) for one state y (n_fields, N) and a block (n_fields, N, k).

        The state and the block share each coupling product: one BLAS-3 call on k + 1 columns
        for [Jz; Jr] and one for Jh, so each coupling matrix is read once per evaluation.
        """
        return self._evaluate(t, y, linearize=True, block=block)

    def _evaluate(self, t: float, y: np.ndarray, linearize: bool, block=None):
        p = self.params
        h = y[0]
        ph = phi(h, p.g_h, p.beta_h)
        dydt = np.empty_like(y)
        linearize = linearize or block is not None
        dphi = dphi_from_phi(ph, p.g_h) if linearize else None
        if not p.is_gated:
            lin = Linearization(self, dphi) if linearize else None
            if block is None:
                w = self.Jh @ ph
            else:
                _, b = lin.coupling_inputs(block)
                ww = self.Jh @ np.concatenate([ph[:, None], b], axis=1)
                w = ww[:, 0]
            np.subtract(w, h, out=dydt[0])
            self._add_input("I_h", t, dydt[0])
            if block is not None:
                return dydt, lin.assemble(None, ww[:, 1:], block)
            return dydt, lin
        n = self.n
        z, r = y[1], y[2]
        s_z = sigmoid(z, p.alpha_z, p.beta_z)
        s_r = sigmoid(r, p.alpha_r, p.beta_r)
        lin = None
        if linearize:
            lin = Linearization(self, dphi=dphi, s_z=s_z, dh_coef=s_r * dphi,
                                dr_coef=ph * dsigmoid(r, p.alpha_r, p.beta_r))
        if block is None:
            u = self.J_zr @ ph
            drive = self.Jh @ (s_r * ph)
        else:
            a, b = lin.coupling_inputs(block)
            uu = self.J_zr @ np.concatenate([ph[:, None], a], axis=1)
            ww = self.Jh @ np.concatenate([(s_r * ph)[:, None], b], axis=1)
            u, drive = uu[:, 0], ww[:, 0].copy()
        drive -= h
        self._add_input("I_h", t, drive)
        np.multiply(s_z, drive, out=dydt[0])
        np.subtract(u[:n], z, out=dydt[1])
        self._add_input("I_z", t, dydt[1])
        np.subtract(u[n:], r, out=dydt[2])
        self._add_input("I_r", t, dydt[2])
        if p.tau_z != 1.0:
            dydt[1] /= p.tau_z
        if p.tau_r != 1.0:
            dydt[2] /= p.tau_r
        if not linearize:
            return dydt, None
        lin.dz_coef = dsigmoid(z, p.alpha_z, p.beta_z) * drive
        if block is not None:
            return dydt, lin.assemble(uu[:, 1:], ww[:, 1:], block)
        return dydt, lin

    def __repr__(self) -> str:
        return f"GatedNetwork(n={self.n}, seed={self.seed}, params={self.params!r})"
