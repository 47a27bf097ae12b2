"""What a derivation produces: equations to print, kernels to generate, Gaussian averages."""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp


@dataclass(frozen=True)
class Equation:
    """A derived equation ``lhs = rhs`` (SymPy expressions or LaTeX strings) with a comment."""

    label: str
    lhs: object
    rhs: object
    note: str = ""
    relation: str = "="


@dataclass(frozen=True)
class Kernel:
    """A vectorised numeric function to generate.

    ``variables`` are positional arguments (arrays), ``parameters`` keyword-only arguments;
    ``outputs`` are (name, abstract expression) pairs, concretised before printing.
    """

    name: str
    summary: str
    variables: tuple[sp.Symbol, ...]
    outputs: tuple[tuple[str, sp.Expr], ...]
    notes: str = ""
    parameters: tuple[sp.Symbol, ...] | None = None  # None: the model parameters that occur


@dataclass(frozen=True)
class Average:
    """<integrand> over independent Gaussians ``variables`` with variances ``variances``."""

    name: str
    variables: tuple[sp.Symbol, ...]
    variances: tuple[sp.Symbol, ...]
    integrand: sp.Expr


@dataclass(frozen=True)
class AverageMap:
    """A function of variances computed from Gaussian averages and a combining kernel.

    Generated as ``name(*variances, *extra, average, **parameters)``: each Average is evaluated by
    the caller-supplied quadrature ``average(f, variances, batch_ndim)`` and the results are fed
    to ``combine`` (a Kernel whose variables are the average symbols followed by ``extra``).
    """

    name: str
    summary: str
    variances: tuple[sp.Symbol, ...]
    extra: tuple[sp.Symbol, ...]
    averages: tuple[Average, ...]
    combine: Kernel


@dataclass
class Section:
    """One derived concept (e.g. the static mean-field theory) for one model."""

    key: str
    title: str
    intro: str = ""
    equations: list[Equation] = field(default_factory=list)
    kernels: list[Kernel] = field(default_factory=list)
    average_maps: list[AverageMap] = field(default_factory=list)
    data: dict = field(default_factory=dict)
