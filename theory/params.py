"""Validated, frozen parameters of the gated network model (THEORY.md section 1).

Notes
-----
Per unit i::

    dh_i/dt       = sigma_z(z_i) (-h_i + sum_j Jh_ij sigma_r(r_j) phi(h_j) + I^h_i(t))
    tau_z dz_i/dt = -z_i + sum_j Jz_ij phi(h_j) + I^z_i(t)
    tau_r dr_i/dt = -r_i + sum_j Jr_ij phi(h_j) + I^r_i(t)

    phi(x) = tanh(g_h x + beta_h),  sigma_k(x) = 1 / (1 + exp(-alpha_k x + beta_k)).

The ``additive`` model is the limit sigma_z = sigma_r = 1: dh/dt = -h + Jh phi(h) + I^h, whose
state is h alone.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Union

import numpy as np

MODELS = ("gated", "additive")
INPUT_FIELDS = ("I_h", "I_z", "I_r")

#: An input: a constant, a per-unit vector, or a function of time returning either.
InputSpec = Union[float, np.ndarray, Callable[[float], Any]]

# (name, lower bound, lower bound inclusive?) for every real parameter; upper bound is +inf.
_BOUNDS = {
    "g_h": (0.0, True),
    "alpha_z": (0.0, True),
    "alpha_r": (0.0, True),
    "beta_z": (-math.inf, False),
    "beta_r": (-math.inf, False),
    "beta_h": (-math.inf, False),
    "tau_z": (0.0, False),
    "tau_r": (0.0, False),
}
_GATE_PARAMS = ("alpha_z", "beta_z", "alpha_r", "beta_r", "tau_z", "tau_r")


def _range_text(name: str) -> str:
    low, inclusive = _BOUNDS[name]
    if low == -math.inf:
        return "a finite real number"
    return f"a finite number {'>=' if inclusive else '>'} {low:g}"


def _check_real(name: str, value: Any) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be {_range_text(name)}, got {value!r}") from None
    low, inclusive = _BOUNDS[name]
    if not math.isfinite(x) or x < low or (x == low and not inclusive):
        raise ValueError(f"{name} must be {_range_text(name)}, got {value!r}")
    return x


def _check_input(name: str, value: Any) -> InputSpec:
    if callable(value):
        return value
    arr = np.asarray(value, dtype=float) if not isinstance(value, np.ndarray) else value
    if arr.dtype.kind not in "biuf" or arr.ndim > 1:
        raise ValueError(
            f"{name} must be a number, a 1-D per-unit array, or a function of time; got {value!r}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    if arr.ndim == 0:
        return float(arr)
    arr = np.array(arr, dtype=float)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class ModelParams:
    """Parameters of the gated (or additive) random network; immutable and validated.

    Parameters
    ----------
    g_h : float
        Gain of phi(x) = tanh(g_h x + beta_h); >= 0.
    alpha_z, beta_z : float
        Update-gate slope (>= 0) and bias; sigma_z(x) = expit(alpha_z x - beta_z).
    alpha_r, beta_r : float
        Output-gate slope (>= 0) and bias; sigma_r(x) = expit(alpha_r x - beta_r).
    beta_h : float
        Bias of the activation.
    tau_z, tau_r : float
        Time constants of the gate variables (> 0); tau_h = 1.
    model : {"gated", "additive"}
        ``additive`` fixes sigma_z = sigma_r = 1 exactly and drops z, r from the state.
    I_h, I_z, I_r : float, array of shape (N,), or callable t -> float or array
        External inputs. Per-unit arrays are checked against N when a network is built.

    Notes
    -----
    Use :meth:`gated` and :meth:`additive` as presets, :meth:`replace` to change fields and
    :meth:`from_dict` to build from untrusted mappings (unknown names raise ValueError).
    """

    g_h: float
    alpha_z: float = 0.0
    beta_z: float = 0.0
    alpha_r: float = 0.0
    beta_r: float = 0.0
    beta_h: float = 0.0
    tau_z: float = 1.0
    tau_r: float = 1.0
    model: str = "gated"
    I_h: InputSpec = field(default=0.0)
    I_z: InputSpec = field(default=0.0)
    I_r: InputSpec = field(default=0.0)

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"model must be one of {MODELS}, got {self.model!r}")
        for name in _BOUNDS:
            object.__setattr__(self, name, _check_real(name, getattr(self, name)))
        for name in INPUT_FIELDS:
            object.__setattr__(self, name, _check_input(name, getattr(self, name)))
        if self.model == "additive":
            defaults = {f.name: f.default for f in dataclasses.fields(self)}
            for name in _GATE_PARAMS + ("I_z", "I_r"):
                value = getattr(self, name)
                if callable(value) or np.ndim(value) > 0 or value != defaults[name]:
                    raise ValueError(
                        f"{name} has no meaning in the additive model (sigma_z = sigma_r = 1); "
                        f"leave it at its default {defaults[name]!r}"
                    )

    # ---- presets and construction -------------------------------------------------------
    @classmethod
    def gated(cls, g_h: float, **kwargs: Any) -> "ModelParams":
        """Gated model (THEORY.md section 1)."""
        return cls.from_dict({"g_h": g_h, **kwargs, "model": "gated"})

    @classmethod
    def additive(cls, g_h: float, **kwargs: Any) -> "ModelParams":
        """Additive (SCS) limit dh/dt = -h + Jh tanh(g_h h + beta_h) + I^h."""
        return cls.from_dict({"g_h": g_h, **kwargs, "model": "additive"})

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "ModelParams":
        """Build from a mapping; unknown names raise ValueError listing the known ones."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown parameter(s) {unknown}; known: {sorted(known)}")
        if "g_h" not in values:
            raise ValueError("g_h is required (a finite number >= 0)")
        return cls(**values)

    def replace(self, **changes: Any) -> "ModelParams":
        """A copy with some fields changed (validated again)."""
        return self.from_dict({**self.as_dict(), **changes})

    # ---- derived quantities -------------------------------------------------------------
    @property
    def is_gated(self) -> bool:
        return self.model == "gated"

    @property
    def n_fields(self) -> int:
        """Number of per-unit state variables: 3 (h, z, r) gated, 1 (h) additive."""
        return 3 if self.is_gated else 1

    @property
    def has_time_dependent_input(self) -> bool:
        return any(callable(getattr(self, name)) for name in INPUT_FIELDS)

    def as_dict(self) -> dict[str, Any]:
        """Plain field mapping (inputs left as given)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def provenance(self) -> dict[str, Any]:
        """JSON-friendly description (arrays summarised, callables named)."""
        out: dict[str, Any] = {}
        for name, value in self.as_dict().items():
            if callable(value):
                out[name] = f"<function {getattr(value, '__qualname__', repr(value))}>"
            elif isinstance(value, np.ndarray):
                out[name] = {"per_unit": True, "mean": float(value.mean()), "n": int(value.size)}
            else:
                out[name] = value
        return out

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ModelParams):
            return NotImplemented
        a, b = self.as_dict(), other.as_dict()
        return all(
            np.array_equal(a[k], b[k])
            if isinstance(a[k], np.ndarray) or isinstance(b[k], np.ndarray)
            else a[k] == b[k]
            for k in a
        )

    __hash__ = None  # type: ignore[assignment]  # inputs may be arrays


def validate_size(n: Any) -> int:
    """Network size N: an integer >= 1."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n (network size) must be an integer >= 1, got {n!r}")
    return int(n)


def validate_positive(name: str, value: Any, *, allow_zero: bool = False) -> float:
    """A finite positive (or non-negative) real, e.g. a time step or a duration."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        x = math.nan
    if not math.isfinite(x) or x < 0 or (x == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}")
    return x
