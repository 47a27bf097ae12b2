"""Elementary functions whose derivatives and generated code stay accurate in the tails.

Notes
-----
SymPy's own ``tanh`` differentiates to ``1 - tanh(x)**2``, which loses all relative precision
for |x| > 20, and a sigmoid written as ``1/(1 + exp(-x))`` overflows for x < -709. The classes
below carry derivatives in product form and print to stable numeric code:

=============  =====================================  ==========================================
function       derivative                             numpy code
=============  =====================================  ==========================================
Expit(x)       Expit(x) Expit(-x)                     scipy.special.expit(x)
Tanh(x)        Sech2(x)                               numpy.tanh(x)
Sech2(x)       -2 Tanh(x) Sech2(x)                    4 expit(2x) expit(-2x)
Relu(x)        Step(x)                                numpy.maximum(x, 0)
Step(x)        0 (almost everywhere)                  numpy.where(x > 0, 1, 0)
=============  =====================================  ==========================================

The mpmath printers use the direct formulas (mpmath has an unbounded exponent range).
"""

from __future__ import annotations

import sympy as sp


def _with_power(exp, tex):
    """f(x)^p printed as (f(x))^{p} (the printers pass ``exp`` for powers of functions)."""
    return tex if exp is None else r"\left(%s\right)^{%s}" % (tex, exp)


class _Elementary(sp.Function):
    """One-argument function with a closed form used for SymPy evaluation (``evalf``)."""

    nargs = 1

    @classmethod
    def closed_form(cls, x):  # pragma: no cover - overridden
        raise NotImplementedError

    def _eval_evalf(self, prec):
        return self.closed_form(self.args[0])._eval_evalf(prec)

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return self.closed_form(x).rewrite(sp.exp)


class Expit(_Elementary):
    """Logistic function 1 / (1 + exp(-x))."""

    @classmethod
    def closed_form(cls, x):
        return 1 / (1 + sp.exp(-x))

    @classmethod
    def eval(cls, x):
        if x.is_zero:
            return sp.Rational(1, 2)

    def fdiff(self, argindex=1):
        x = self.args[0]
        return Expit(x) * Expit(-x)

    def _eval_is_positive(self):
        return self.args[0].is_real

    def _latex(self, printer, exp=None):
        return _with_power(exp, r"\operatorname{expit}{\left(%s \right)}" % printer._print(self.args[0]))

    def _numpycode(self, printer):
        return "scipy.special.expit(%s)" % printer._print(self.args[0])

    def _mpmathcode(self, printer):
        return "_mp_expit(%s)" % printer._print(self.args[0])


class Tanh(_Elementary):
    """Hyperbolic tangent with derivative Sech2 (accurate in the tails)."""

    @classmethod
    def closed_form(cls, x):
        return sp.tanh(x)

    @classmethod
    def eval(cls, x):
        if x.is_zero:
            return sp.S.Zero

    def fdiff(self, argindex=1):
        return Sech2(self.args[0])

    def _latex(self, printer, exp=None):
        return _with_power(exp, r"\tanh{\left(%s \right)}" % printer._print(self.args[0]))

    def _numpycode(self, printer):
        return "numpy.tanh(%s)" % printer._print(self.args[0])

    def _mpmathcode(self, printer):
        return "mpmath.tanh(%s)" % printer._print(self.args[0])


class Sech2(_Elementary):
    """sech(x)^2 = 1 - tanh(x)^2, printed as 4 expit(2x) expit(-2x) (no cancellation)."""

    @classmethod
    def closed_form(cls, x):
        return sp.sech(x) ** 2

    @classmethod
    def eval(cls, x):
        if x.is_zero:
            return sp.S.One

    def fdiff(self, argindex=1):
        x = self.args[0]
        return -2 * Tanh(x) * Sech2(x)

    def _eval_is_positive(self):
        return self.args[0].is_real

    def _latex(self, printer, exp=None):
        return _with_power(exp, r"\operatorname{sech}^{2}{\left(%s \right)}" % printer._print(self.args[0]))

    def _numpycode(self, printer):
        a = printer._print(self.args[0])
        return "(4*scipy.special.expit(2*(%s))*scipy.special.expit(-2*(%s)))" % (a, a)

    def _mpmathcode(self, printer):
        return "mpmath.sech(%s)**2" % printer._print(self.args[0])


class Step(_Elementary):
    """Heaviside step with Step(0) = 0; derivative taken as 0 (almost everywhere)."""

    @classmethod
    def closed_form(cls, x):
        return sp.Piecewise((1, x > 0), (0, True))

    def _eval_evalf(self, prec):
        x = self.args[0].evalf(prec)
        return sp.Float(1 if x > 0 else 0, prec)

    def fdiff(self, argindex=1):
        return sp.S.Zero

    def _eval_is_nonnegative(self):
        return True

    def _latex(self, printer, exp=None):
        return _with_power(exp, r"\Theta{\left(%s \right)}" % printer._print(self.args[0]))

    def _numpycode(self, printer):
        return "numpy.where((%s) > 0, 1.0, 0.0)" % printer._print(self.args[0])

    def _mpmathcode(self, printer):
        return "_mp_step(%s)" % printer._print(self.args[0])


class Relu(_Elementary):
    """Rectifier max(x, 0)."""

    @classmethod
    def closed_form(cls, x):
        return sp.Max(x, 0)

    def _eval_evalf(self, prec):
        x = self.args[0].evalf(prec)
        return x if x > 0 else sp.Float(0, prec)

    def fdiff(self, argindex=1):
        return Step(self.args[0])

    def _eval_is_nonnegative(self):
        return True

    def _latex(self, printer, exp=None):
        return _with_power(exp, r"\operatorname{relu}{\left(%s \right)}" % printer._print(self.args[0]))

    def _numpycode(self, printer):
        return "numpy.maximum(%s, 0.0)" % printer._print(self.args[0])

    def _mpmathcode(self, printer):
        return "_mp_relu(%s)" % printer._print(self.args[0])


#: Helpers the generated mpmath modules define (kept next to the classes that need them).
MPMATH_PRELUDE = '''\
def _mp_expit(x):
    return 1 / (1 + mpmath.exp(-x))


def _mp_step(x):
    return mpmath.mpf(1) if x > 0 else mpmath.mpf(0)


def _mp_relu(x):
    return x if x > 0 else mpmath.mpf(0)
'''

ELEMENTARY = (Expit, Tanh, Sech2, Step, Relu)


def to_closed_form(expr: sp.Expr) -> sp.Expr:
    """Replace the custom functions by SymPy built-ins (for exact/high-precision evaluation)."""
    return expr.replace(
        lambda e: isinstance(e, ELEMENTARY), lambda e: type(e).closed_form(e.args[0])
    )


class Erfc(_Elementary):
    """Complementary error function, kept as written (SymPy would turn erfc(-x) into 2 - erfc(x))."""

    @classmethod
    def closed_form(cls, x):
        return sp.erfc(x)

    def fdiff(self, argindex=1):
        x = self.args[0]
        return -2 * sp.exp(-x**2) / sp.sqrt(sp.pi)

    def _latex(self, printer, exp=None):
        return _with_power(exp, r"\operatorname{erfc}{\left(%s \right)}" % printer._print(self.args[0]))

    def _numpycode(self, printer):
        return "scipy.special.erfc(%s)" % printer._print(self.args[0])

    def _mpmathcode(self, printer):
        return "mpmath.erfc(%s)" % printer._print(self.args[0])


ELEMENTARY = ELEMENTARY + (Erfc,)


class LogCosh(_Elementary):
    """log cosh(x), the antiderivative of tanh; printed as |x| + log1p(exp(-2|x|)) - log 2."""

    @classmethod
    def closed_form(cls, x):
        return sp.log(sp.cosh(x))

    @classmethod
    def eval(cls, x):
        if x.is_zero:
            return sp.S.Zero

    def fdiff(self, argindex=1):
        return Tanh(self.args[0])

    def _latex(self, printer, exp=None):
        return _with_power(exp, r"\log\cosh{\left(%s \right)}" % printer._print(self.args[0]))

    def _numpycode(self, printer):
        a = printer._print(self.args[0])
        return "(numpy.abs(%s) + numpy.log1p(numpy.exp(-2*numpy.abs(%s))) - numpy.log(2.0))" % (a, a)

    def _mpmathcode(self, printer):
        return "mpmath.log(mpmath.cosh(%s))" % printer._print(self.args[0])


ELEMENTARY = ELEMENTARY + (LogCosh,)


class ExpNegAbs(_Elementary):
    """exp(-|x|): the one transcendental behind stable sigmoid and tanh slopes.

    expit(x) expit(-x) = E / (1 + E)^2 and sech(x)^2 = 4 E2 / (1 + E2)^2 with E = exp(-|x|),
    E2 = exp(-2|x|): one exponential, no overflow, full relative precision, and common
    subexpression elimination can share E between a gate's value and its slope.
    """

    @classmethod
    def closed_form(cls, x):
        return sp.exp(-sp.Abs(x))

    @classmethod
    def eval(cls, x):
        if x.is_zero:
            return sp.S.One

    def fdiff(self, argindex=1):
        x = self.args[0]
        return -sp.sign(x) * ExpNegAbs(x)

    def _eval_is_positive(self):
        return self.args[0].is_real

    def _latex(self, printer, exp=None):
        return _with_power(exp, r"e^{-\left|%s\right|}" % printer._print(self.args[0]))

    def _numpycode(self, printer):
        return "numpy.exp(-numpy.abs(%s))" % printer._print(self.args[0])

    def _mpmathcode(self, printer):
        return "mpmath.exp(-abs(%s))" % printer._print(self.args[0])


def expit_slope(x):
    """expit'(x) = expit(x) expit(-x) in the one-exponential stable form."""
    e = ExpNegAbs(x)
    return e / (1 + e) ** 2


def sech2(x):
    """sech(x)^2 = 1 - tanh(x)^2 in the one-exponential stable form."""
    e = ExpNegAbs(2 * x)
    return 4 * e / (1 + e) ** 2


Expit.fdiff = lambda self, argindex=1: expit_slope(self.args[0])
Tanh.fdiff = lambda self, argindex=1: sech2(self.args[0])
ELEMENTARY = ELEMENTARY + (ExpNegAbs,)
