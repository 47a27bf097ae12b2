"""The per-unit model, written once: state, drift, what each unit sends, and its nonlinearities.

Notes
-----
A network of N units is described by one unit. Unit i has state x_i (e.g. (h, z, r)) and sees one
recurrent field per channel k,

    eta^k_i = sum_j J^k_ij s_k(x_j),      J^k_ij iid N(0, 1/N), independent across k,

where s_k(x) is what a unit sends on channel k. The dynamics is the local drift

    dx_i/dt = f(x_i, eta_i; I, theta).

Nonlinearities (phi, sigma_z, ...) stay abstract SymPy functions in the derivations, so derived
equations read like the paper; :meth:`UnitModel.concrete` substitutes their definitions before
code generation. Models are built with :func:`unit_model`; :func:`gated_model` and
:func:`additive_model` are instances, and variants (other activations, where the output gate
acts) are options of the same builders, not copies.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from .functions import Expit, LogCosh, Relu, Tanh

# ---- the symbols shared by all models ----------------------------------------------------
h, z, r = sp.symbols("h z r", real=True)
g_h, beta_h = sp.symbols("g_h beta_h", real=True)
alpha_z, beta_z, alpha_r, beta_r = sp.symbols("alpha_z beta_z alpha_r beta_r", real=True)
tau_z, tau_r = sp.symbols("tau_z tau_r", positive=True)
I_h, I_z, I_r = sp.symbols("I_h I_z I_r", real=True)
_x = sp.Symbol("x", real=True)

phi = sp.Function("phi", real=True)
sigma_z = sp.Function("sigma_z", real=True)
sigma_r = sp.Function("sigma_r", real=True)


def field_symbol(channel: str) -> sp.Symbol:
    """The recurrent field eta_k of channel k."""
    return sp.Symbol(f"eta_{channel}", real=True)


def variance_symbol(channel: str) -> sp.Symbol:
    """Variance D_k of the static field eta_k."""
    return sp.Symbol(f"D_{channel}", positive=True)


@dataclass(frozen=True)
class Nonlinearity:
    """An abstract one-argument function and its concrete definition.

    ``gate`` = (slope, bias) marks a logistic gate expit(slope x - bias); its constant value at
    slope 0 is expit(-bias).
    """

    function: sp.FunctionClass
    definition: sp.Lambda
    gate: tuple[sp.Symbol, sp.Symbol] | None = None
    antiderivative: sp.Lambda | None = None  # Phi with Phi' = the function (DMFT energy condition)


@dataclass(frozen=True)
class Channel:
    """A coupling channel: unit j sends s_k(x_j) through J^k to the field eta^k_i of unit i."""

    name: str
    sends: sp.Expr

    @property
    def field(self) -> sp.Symbol:
        return field_symbol(self.name)

    @property
    def variance(self) -> sp.Symbol:
        return variance_symbol(self.name)

    @property
    def coupling_latex(self) -> str:
        return f"J^{{{self.name}}}"


@dataclass(frozen=True)
class UnitModel:
    """One unit of a random network (see the module notes)."""

    name: str
    description: str
    state: tuple[sp.Symbol, ...]
    drift: tuple[sp.Expr, ...]
    channels: tuple[Channel, ...]
    nonlinearities: tuple[Nonlinearity, ...]
    parameters: tuple[sp.Symbol, ...]
    update_gate: sp.FunctionClass | None = None
    defaults: dict = field(default_factory=dict)

    def __post_init__(self):
        if len(self.state) != len(self.drift):
            raise ValueError(f"{self.name}: {len(self.state)} state variables but {len(self.drift)} drifts")
        known = set(self.state) | set(self.fields) | set(self.parameters)
        for expr in list(self.drift) + [c.sends for c in self.channels]:
            extra = expr.free_symbols - known
            if extra:
                raise ValueError(f"{self.name}: undeclared symbols {sorted(map(str, extra))} in {expr}")

    @property
    def fields(self) -> tuple[sp.Symbol, ...]:
        return tuple(c.field for c in self.channels)

    @property
    def variances(self) -> tuple[sp.Symbol, ...]:
        return tuple(c.variance for c in self.channels)

    @property
    def sends(self) -> tuple[sp.Expr, ...]:
        return tuple(c.sends for c in self.channels)

    @property
    def gates(self) -> tuple[Nonlinearity, ...]:
        return tuple(n for n in self.nonlinearities if n.gate is not None)

    def concrete(self, expr):
        """Substitute the definitions of the nonlinearities (and evaluate derivatives)."""
        for nl in self.nonlinearities:
            expr = expr.replace(nl.function, nl.definition)
        return expr.doit()

    def constant_gate(self, nl: Nonlinearity) -> sp.Expr:
        """Value of gate ``nl`` at zero slope: expit(-bias)."""
        return Expit(-nl.gate[1])


def unit_model(
    name: str,
    description: str,
    state,
    drift,
    sends: dict[str, sp.Expr],
    nonlinearities,
    parameters,
    update_gate=None,
) -> UnitModel:
    """Build a :class:`UnitModel`; ``drift`` may use the fields ``field_symbol(k)`` of ``sends``."""
    return UnitModel(
        name=name,
        description=description,
        state=tuple(state),
        drift=tuple(sp.sympify(d) for d in drift),
        channels=tuple(Channel(k, sp.sympify(v)) for k, v in sends.items()),
        nonlinearities=tuple(nonlinearities),
        parameters=tuple(parameters),
        update_gate=update_gate,
    )


ACTIVATIONS = {
    "tanh": lambda u: Tanh(u),
    "relu": lambda u: Relu(u),
}
#: Antiderivatives in the pre-activation u = g_h x + beta_h (divide by g_h for d/dx).
ANTIDERIVATIVES = {
    "tanh": lambda u: LogCosh(u),
    "relu": lambda u: Relu(u) ** 2 / 2,
}


def _activation(kind: str) -> Nonlinearity:
    if kind not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {kind!r}")
    u = g_h * _x + beta_h
    return Nonlinearity(phi, sp.Lambda(_x, ACTIVATIONS[kind](u)), antiderivative=sp.Lambda(_x, ANTIDERIVATIVES[kind](u) / g_h))


def _gate(function, slope, bias) -> Nonlinearity:
    return Nonlinearity(function, sp.Lambda(_x, Expit(slope * _x - bias)), gate=(slope, bias))


def gated_model(activation: str = "tanh", output_gate: str = "presynaptic", name: str | None = None) -> UnitModel:
    """The gated network of THEORY.md section 1 and its variants.

    Parameters
    ----------
    activation : {"tanh", "relu"}
        phi(x) = tanh(g_h x + beta_h) or max(g_h x + beta_h, 0).
    output_gate : {"presynaptic", "postsynaptic"}
        Where sigma_r acts: on what unit j sends (sigma_r(r_j) phi(h_j), the project model) or
        on the field unit i receives (sigma_r(r_i) sum_j Jh_ij phi(h_j)).

    Notes
    -----
    Presynaptic (default)::

        dh/dt = sigma_z(z) (-h + eta_h + I_h),   s_h = sigma_r(r) phi(h)
        dz/dt = (-z + eta_z + I_z) / tau_z,      s_z = phi(h)
        dr/dt = (-r + eta_r + I_r) / tau_r,      s_r = phi(h)
    """
    if output_gate not in ("presynaptic", "postsynaptic"):
        raise ValueError(f"output_gate must be 'presynaptic' or 'postsynaptic', got {output_gate!r}")
    eta_h, eta_z, eta_r = (field_symbol(k) for k in "hzr")
    if output_gate == "presynaptic":
        drift_h = sigma_z(z) * (-h + eta_h + I_h)
        send_h = sigma_r(r) * phi(h)
    else:
        drift_h = sigma_z(z) * (-h + sigma_r(r) * eta_h + I_h)
        send_h = phi(h)
    if name is None:
        parts = [activation] if activation != "tanh" else []
        parts += [output_gate] if output_gate != "presynaptic" else []
        name = "_".join(["gated"] + parts)
    return unit_model(
        name=name,
        description=(
            f"gated network, activation {activation}, output gate {output_gate} "
            "(sigma_k(x) = expit(alpha_k x - beta_k))"
        ),
        state=(h, z, r),
        drift=(drift_h, (-z + eta_z + I_z) / tau_z, (-r + eta_r + I_r) / tau_r),
        sends={"h": send_h, "z": phi(h), "r": phi(h)},
        nonlinearities=(
            _activation(activation),
            _gate(sigma_z, alpha_z, beta_z),
            _gate(sigma_r, alpha_r, beta_r),
        ),
        parameters=(g_h, alpha_z, beta_z, alpha_r, beta_r, beta_h, tau_z, tau_r, I_h, I_z, I_r),
        update_gate=sigma_z,
    )


def additive_model(activation: str = "tanh") -> UnitModel:
    """The additive (SCS) limit sigma_z = sigma_r = 1: dh/dt = -h + eta_h + I_h, s_h = phi(h)."""
    return unit_model(
        name="additive" if activation == "tanh" else f"additive_{activation}",
        description=f"additive (SCS) network, activation {activation}",
        state=(h,),
        drift=(-h + field_symbol("h") + I_h,),
        sends={"h": phi(h)},
        nonlinearities=(_activation(activation),),
        parameters=(g_h, beta_h, I_h),
    )


def registered_models() -> tuple[UnitModel, ...]:
    """Every model whose code is generated by ``python -m derivations``."""
    return (
        gated_model(),
        additive_model(),
        gated_model(output_gate="postsynaptic"),
        gated_model(activation="relu"),
    )
