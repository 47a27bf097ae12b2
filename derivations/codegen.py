"""Lower derived expressions to importable numpy/scipy and mpmath modules (with CSE).

Notes
-----
Each Kernel becomes a function ``name(*variables, **parameters)``. The numpy version casts every
input to float, shares common subexpressions (``sympy.cse``) across all outputs of the kernel,
evaluates gates with ``scipy.special.expit`` (derivations.functions) and returns float arrays
broadcast to the common shape of all inputs (constant outputs included). The mpmath version
computes the same expressions on scalars at the caller's ``mpmath.mp`` precision.
Generated modules never import SymPy, and their functions pickle (they are module-level).
"""

from __future__ import annotations

import hashlib
import textwrap

import sympy as sp
from sympy.printing.numpy import SciPyPrinter
from sympy.printing.pycode import MpmathPrinter

from .display import pretty
from .functions import MPMATH_PRELUDE
from .model import UnitModel
from .records import AverageMap, Kernel, Section


class _NumpyPrinter(SciPyPrinter):
    def _print_Integer(self, expr):
        return f"{int(expr)}.0" if abs(int(expr)) < 2**53 else super()._print_Integer(expr)

    def _print_Rational(self, expr):
        return f"({int(expr.p)}.0/{int(expr.q)}.0)"


def _printer(backend: str):
    settings = {"fully_qualified_modules": True}
    return _NumpyPrinter(settings) if backend == "numpy" else MpmathPrinter(settings)


def kernel_parameters(model: UnitModel, kernel: Kernel, exprs) -> tuple[sp.Symbol, ...]:
    """Keyword parameters of a kernel: the free symbols that are not variables, model order first."""
    if kernel.parameters is not None:
        return tuple(kernel.parameters)
    free = set().union(*(e.free_symbols for e in exprs)) - set(kernel.variables)
    ordered = [p for p in model.parameters if p in free]
    return tuple(ordered + sorted(free - set(ordered), key=str))


def _doc(summary: str, notes: str, outputs) -> str:
    names = ", ".join(name for name, _ in outputs)
    notes = notes if isinstance(notes, str) else str(notes)
    body = summary.strip() + f"\n\nReturns\n-------\n{names}\n"
    if notes:
        body += "\nNotes\n-----\n" + "\n".join(textwrap.wrap(notes, 92, break_long_words=False))
    return textwrap.indent('"""' + body + '\n"""', "    ")


def render_kernel(model: UnitModel, kernel: Kernel, backend: str) -> str:
    """Source of one generated function."""
    exprs = [model.concrete(e) for _, e in kernel.outputs]
    exprs = [sp.sympify(e) for e in exprs]
    params = kernel_parameters(model, kernel, exprs)
    replacements, reduced = sp.cse(exprs, symbols=sp.numbered_symbols("_t"), order="canonical")
    pr = _printer(backend)
    args = [str(v) for v in kernel.variables]
    kw = [str(p) for p in params]
    sig = ", ".join(args + (["*"] + kw if kw else []))
    lines = [f"def {kernel.name}({sig}):", _doc(kernel.summary, kernel.notes, kernel.outputs)]
    names = args + kw
    if backend == "numpy":
        for n in names:
            lines.append(f"    {n} = _float({n})")
        shape_of = ", ".join(f"{n}.shape" for n in names)
        lines.append(f"    _shape = numpy.broadcast_shapes({shape_of})" if names else "    _shape = ()")
    else:
        for n in names:
            lines.append(f"    {n} = mpmath.mpf({n})")
    for sym, e in replacements:
        lines.append(f"    {sym} = {pr.doprint(e)}")
    wrap = "_out({}, _shape)" if backend == "numpy" else "mpmath.mpf({})"
    outs = [wrap.format(pr.doprint(e)) for e in reduced]
    if len(outs) == 1:
        lines.append(f"    return {outs[0]}")
    else:
        lines.append("    return (")
        lines += [f"        {o}," for o in outs]
        lines.append("    )")
    lines.append("")
    lines.append("")
    lines.append(f"{kernel.name}.variables = {tuple(args)!r}")
    lines.append(f"{kernel.name}.parameters = {tuple(kw)!r}")
    lines.append(f"{kernel.name}.outputs = {tuple(n for n, _ in kernel.outputs)!r}")
    return "\n".join(lines) + "\n"


def integrand_kernel(section_key: str, avg) -> Kernel:
    return Kernel(
        f"{section_key}_integrand_{avg.name}",
        f"Integrand of the Gaussian average {avg.name} over {', '.join(map(str, avg.variables))} "
        f"(variances {', '.join(map(str, avg.variances))}).",
        avg.variables,
        ((avg.name, avg.integrand),),
        notes=f"{avg.name} = < {pretty(avg.integrand)} >",
    )


def render_average_map(model: UnitModel, section: Section, amap: AverageMap, backend: str) -> str:
    """Source of a function that evaluates averages with a caller-supplied quadrature."""
    integrands = [integrand_kernel(section.key, a) for a in amap.averages]
    all_exprs = [model.concrete(a.integrand) for a in amap.averages] + [
        model.concrete(e) for _, e in amap.combine.outputs
    ]
    bound_vars = tuple(amap.variances) + tuple(amap.extra) + tuple(model.fields) + tuple(
        sp.Symbol(a.name, real=True) for a in amap.averages)
    params = kernel_parameters(model, Kernel("", "", bound_vars, ()), all_exprs)
    args = [str(v) for v in amap.variances + amap.extra]
    kw = [str(p) for p in params]
    sig = ", ".join(args + ["*", "average"] + kw)
    doc = (
        f"{amap.summary}\n\n``average(f, variances{', batch_ndim' if backend == 'numpy' else ''})`` must return "
        "E f(x_1, ...) for independent x_i ~ N(0, variances[i])"
        + (" with ``batch_ndim`` trailing batch axes (theory.gaussian.independent_average)."
           if backend == "numpy" else " (theory.highprec.independent_average_mp).")
    )
    lines = [f"def {amap.name}({sig}):", _doc(doc, "", amap.combine.outputs)]
    if backend == "numpy":
        shapes = ", ".join(f"numpy.shape({n})" for n in args + kw)
        lines.append(f"    _batch_ndim = len(numpy.broadcast_shapes({shapes}))")
    for a, k in zip(amap.averages, integrands):
        k_exprs = [model.concrete(a.integrand)]
        k_params = kernel_parameters(model, k, k_exprs)
        bound = ", ".join(f"{p}={p}" for p in map(str, k_params))
        f = f"functools.partial({k.name}, {bound})" if bound else k.name
        var = "(" + ", ".join(map(str, a.variances)) + ",)"
        extra = ", _batch_ndim" if backend == "numpy" else ""
        lines.append(f"    {a.name} = average({f}, {var}{extra})")
    c_exprs = [model.concrete(e) for _, e in amap.combine.outputs]
    c_params = kernel_parameters(model, amap.combine, c_exprs)
    cargs = ", ".join([str(v) for v in amap.combine.variables] + [f"{p}={p}" for p in map(str, c_params)])
    lines.append(f"    return {amap.combine.name}({cargs})")
    lines.append("")
    lines.append("")
    lines.append(f"{amap.name}.averages = {tuple(a.name for a in amap.averages)!r}")
    lines.append(f"{amap.name}.integrands = ({', '.join(k.name for k in integrands)}{',' if integrands else ''})")
    lines.append(f"{amap.name}.parameters = {tuple(kw)!r}")
    return "\n".join(lines) + "\n"


_NUMPY_PRELUDE = '''\
def _float(x):
    return numpy.asarray(x, dtype=float)


def _out(value, shape):
    value = numpy.asarray(value, dtype=float)
    if value.shape != shape:
        value = numpy.broadcast_to(value, shape).copy()
    return value
'''


def _literal(value):
    if isinstance(value, dict):
        return {k: _literal(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return tuple(_literal(v) for v in value)
    return value


def render_module(model: UnitModel, sections: list[Section], backend: str) -> str:
    """Full source of theory/_generated/<model>_<backend>.py (header included)."""
    parts = []
    parts.append("import functools\n\n" + ("import numpy\nimport scipy.special\n" if backend == "numpy" else "import mpmath\n"))
    consts = {
        "MODEL": model.name,
        "DESCRIPTION": model.description,
        "STATE": tuple(str(x) for x in model.state),
        "CHANNELS": tuple(c.name for c in model.channels),
        "FIELDS": tuple(str(f) for f in model.fields),
        "VARIANCES": tuple(str(d) for d in model.variances),
        "PARAMETERS": tuple(str(p) for p in model.parameters),
    }
    for sec in sections:
        for key, value in sec.data.items():
            if key.isupper():
                consts[key] = _literal(value)
    parts.append("\n".join(f"{k} = {v!r}" for k, v in consts.items()) + "\n")
    parts.append(_NUMPY_PRELUDE if backend == "numpy" else MPMATH_PRELUDE)
    for sec in sections:
        parts.append(f"# ---- {sec.title} " + "-" * max(3, 80 - len(sec.title)) + "\n")
        for k in sec.kernels:
            parts.append(render_kernel(model, k, backend))
        rendered = set()
        for amap in sec.average_maps:
            for a in amap.averages:
                if a.name not in rendered:
                    rendered.add(a.name)
                    parts.append(render_kernel(model, integrand_kernel(sec.key, a), backend))
            parts.append(render_kernel(model, amap.combine, backend))
            parts.append(render_average_map(model, sec, amap, backend))
    body = "\n\n".join(p.rstrip("\n") + "\n" for p in parts)
    digest = hashlib.sha256(body.encode()).hexdigest()
    header = (
        f'"""Generated by ``python -m derivations`` ({backend} backend) for the model {model.name!r}.\n\n'
        f"{model.description}.\nDerivations: "
        + ", ".join(f"derivations/{s.key}.py" for s in sections)
        + f".\nDo not edit; change the derivation and regenerate.\n\ncontent-sha256: {digest}\n\"\"\"\n\n"
    )
    return header + body
