"""Gaussian averages in the derivations: factorising over independent fields, display form.

Notes
-----
Mean-field averages are over independent zero-mean Gaussian fields eta_k ~ N(0, D_k). A product
of factors that each depend on disjoint sets of fields factorises,

    E[ prod_g f_g(eta_{S_g}) ] = prod_g E[ f_g(eta_{S_g}) ],

so a static or spectral equation needs only low-dimensional averages (one-dimensional for the
project model). :func:`factorize_mean` finds the finest such grouping.
"""

from __future__ import annotations

import sympy as sp

from .records import Average


class GaussianMean(sp.Function):
    """Display-only <integrand>_{D...}: args are (integrand, variance_1, ...)."""

    @classmethod
    def eval(cls, integrand, *variances):
        if integrand.is_number:
            return integrand

    def _latex(self, printer):
        integrand, *variances = self.args
        sub = ",".join(printer._print(v) for v in variances)
        return r"\left\langle %s \right\rangle_{%s}" % (printer._print(integrand), sub)


def factorize_mean(expr: sp.Expr, variables) -> tuple[sp.Expr, list[tuple[tuple[sp.Symbol, ...], sp.Expr]]]:
    """Split E[expr] over independent ``variables`` into a constant and averaged groups.

    Returns
    -------
    constant, groups
        E[expr] = constant * prod over groups of E[integrand], each group being
        (variables it depends on, integrand).
    """
    variables = tuple(variables)
    order = {v: i for i, v in enumerate(variables)}
    expr = sp.expand_power_base(sp.powsimp(expr), force=True)
    parent = {v: v for v in variables}

    def find(v):
        while parent[v] != v:
            v = parent[v]
        return v

    factors = sp.Mul.make_args(expr)
    constant = sp.S.One
    tagged = []
    for f in factors:
        used = sorted(f.free_symbols & set(variables), key=order.get)
        if not used:
            constant *= f
            continue
        for v in used[1:]:
            parent[find(v)] = find(used[0])
        tagged.append((used, f))
    groups: dict[sp.Symbol, list] = {}
    for used, f in tagged:
        groups.setdefault(find(used[0]), []).append(f)
    out = []
    for root, fs in groups.items():
        gvars = tuple(sorted({v for v in variables if find(v) == root}, key=order.get))
        gvars = tuple(v for v in gvars if any(v in f.free_symbols for f in fs))
        out.append((gvars, sp.Mul(*fs)))
    out.sort(key=lambda g: [order[v] for v in g[0]])
    return constant, out


class AverageRegistry:
    """Collects distinct averages (same variables and integrand are shared) under short names."""

    def __init__(self, prefix: str, variance_of):
        self.prefix = prefix
        self.variance_of = variance_of
        self.averages: list[Average] = []
        self._index: dict = {}

    def symbol(self, variables, integrand) -> sp.Symbol:
        key = (tuple(variables), sp.srepr(integrand))
        if key not in self._index:
            name = f"{self.prefix}{len(self.averages)}"
            self.averages.append(
                Average(name, tuple(variables), tuple(self.variance_of(v) for v in variables), integrand)
            )
            self._index[key] = sp.Symbol(name, real=True)
        return self._index[key]

    def mean(self, expr, variables) -> tuple[sp.Expr, sp.Expr]:
        """(expression in average symbols, display expression with <...>) for E[expr]."""
        constant, groups = factorize_mean(expr, variables)
        coded, shown = constant, constant
        for gvars, integrand in groups:
            coded *= self.symbol(gvars, integrand)
            shown *= GaussianMean(integrand, *(self.variance_of(v) for v in gvars))
        return coded, shown

    def display(self, sym: sp.Symbol) -> sp.Expr:
        for a in self.averages:
            if a.name == sym.name:
                return GaussianMean(a.integrand, *a.variances)
        raise KeyError(sym)
