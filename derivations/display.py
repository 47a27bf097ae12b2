"""Readable LaTeX: derivatives of the model's nonlinearities printed with primes (phi', sigma_z')."""

from __future__ import annotations

import sympy as sp


def _primed(func, order: int):
    base = sp.latex(sp.Symbol(func.__name__))
    mark = "'" * order if order <= 3 else f"^{{({order})}}"

    def _latex(self, printer, exp=None):
        power = "" if exp is None else "^{%s}" % exp
        return r"%s%s%s{\left(%s \right)}" % (base, mark, power, printer._print(self.args[0]))

    return type(f"{func.__name__}{mark}", (sp.Function,), {"_latex": _latex, "nargs": 1})


def _undefined_derivative(expr):
    """(function, order, variable) if expr is d^n f(x)/dx^n of an undefined f, else None."""
    if not isinstance(expr, sp.Derivative):
        return None
    f = expr.expr
    if not isinstance(f, sp.core.function.AppliedUndef) or len(f.args) != 1:
        return None
    if len(expr.variable_count) != 1 or expr.variable_count[0][0] != f.args[0]:
        return None
    return f.func, int(expr.variable_count[0][1]), f.args[0]


SYMBOL_NAMES = {
    sp.Symbol("lam_re", real=True): r"\lambda_r",
    sp.Symbol("lam_im", real=True): r"\lambda_i",
    sp.Symbol("lambda_max", real=True): r"\lambda_{\max}",
}


def pretty(expr):
    """Replace d^n f(x)/dx^n and Subs(d^n f(u)/du^n, u, a) by f^(n)(x), f^(n)(a) for display."""
    if not isinstance(expr, sp.Basic):
        return expr

    def subs_rule(e):
        if isinstance(e, sp.Subs) and len(e.variables) == 1:
            found = _undefined_derivative(e.expr)
            if found and found[2] == e.variables[0]:
                return _primed(found[0], found[1])(e.point[0])
        return None

    def deriv_rule(e):
        found = _undefined_derivative(e)
        if found:
            return _primed(found[0], found[1])(found[2])
        return None

    expr = expr.replace(lambda e: subs_rule(e) is not None, subs_rule)
    return expr.replace(lambda e: deriv_rule(e) is not None, deriv_rule)


def latex(expr) -> str:
    """LaTeX of a derived expression (strings are passed through)."""
    if isinstance(expr, str):
        return expr
    return sp.latex(pretty(expr), symbol_names=SYMBOL_NAMES)
