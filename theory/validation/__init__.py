"""Validation report: a registry of theory-vs-simulation checks run by ``make reproduce``.

Each check is a function registered with :func:`check`; it receives a :class:`Context`
(scale, figure folder) and returns one or more :class:`CheckResult` rows (prediction, theory
value, simulation value, tolerance and how it was measured, pass/fail). A check that raises
becomes a failed row carrying the error, so one broken check never hides the others.
"""

from __future__ import annotations

import importlib
import json
import platform
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

SCALES = ("quick", "full")
#: Modules whose checks make up the report (each registers its checks on import).
CHECK_MODULES = ("theory.validation.foundation", "theory.validation.static",
                 "theory.validation.spectral", "theory.validation.dmft",
                 "theory.validation.phase", "theory.validation.memory",
                 "theory.validation.adjoint", "theory.validation.adjoint_fluctuating",
                 "theory.validation.dmft_sampling",
                 "theory.validation.complexity", "theory.validation.dmft_grid",
                 "theory.validation.dmft_sampling_bias", "theory.validation.chaos_onset",)


@dataclass
class CheckResult:
    """One row of the validation table."""

    prediction: str
    theory: float | str
    simulation: float | str
    tolerance: str
    passed: bool
    details: str = ""
    figure: str | None = None
    check: str = ""
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Context:
    """What a check needs: the scale and where to put figures."""

    scale: str
    figures: Path
    seed: int = 0

    def size(self, quick, full):
        """Pick the quick (CI) or full value of a size knob."""
        return quick if self.scale == "quick" else full

    def figure_path(self, name: str) -> Path:
        self.figures.mkdir(parents=True, exist_ok=True)
        return self.figures / name


_REGISTRY: dict[str, Callable[[Context], CheckResult | list[CheckResult]]] = {}


def check(name: str):
    """Register a validation check under ``name``."""

    def register(func):
        if name in _REGISTRY:
            raise ValueError(f"check {name!r} registered twice")
        _REGISTRY[name] = func
        return func

    return register


def registered_checks() -> dict:
    for module in CHECK_MODULES:
        importlib.import_module(module)
    return dict(_REGISTRY)


def run_checks(scale: str = "quick", only=None, out: str | Path = "reports") -> list[CheckResult]:
    """Run every registered check (or those named in ``only``) and return the rows."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")
    checks = registered_checks()
    if only:
        unknown = sorted(set(only) - set(checks))
        if unknown:
            raise ValueError(f"unknown check(s) {unknown}; known: {sorted(checks)}")
        checks = {k: v for k, v in checks.items() if k in only}
    ctx = Context(scale=scale, figures=Path(out) / "figures")
    rows: list[CheckResult] = []
    for name, func in checks.items():
        start = time.perf_counter()
        try:
            produced = func(ctx)
            produced = produced if isinstance(produced, list) else [produced]
        except Exception as exc:  # a broken check is a failed row, not a crash
            produced = [CheckResult(name, "error", "error", "-", False,
                                    details=f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")]
        elapsed = time.perf_counter() - start
        for row in produced:
            row.check, row.seconds = name, elapsed / len(produced)
        rows.extend(produced)
    return rows


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def format_table(rows: list[CheckResult]) -> str:
    """Markdown table of the rows."""
    lines = ["| check | prediction | theory | simulation | tolerance | result |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r.check} | {r.prediction} | {_fmt(r.theory)} | {_fmt(r.simulation)} | "
                     f"{r.tolerance} | {'PASS' if r.passed else 'FAIL'} |")
    n_pass = sum(r.passed for r in rows)
    lines.append("")
    lines.append(f"{n_pass} passed, {len(rows) - n_pass} failed")
    return "\n".join(lines)


def write_report(rows: list[CheckResult], out: str | Path = "reports", scale: str = "quick") -> dict:
    """Write ``validation.md`` (table, details, figures) and ``validation.json`` into ``out``."""
    import numpy
    import scipy

    from .. import __version__

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    md = [
        "# Validation report",
        "",
        f"Scale `{scale}`; generated {time.strftime('%Y-%m-%d %H:%M:%S %Z')} by "
        f"`python -m theory reproduce --scale {scale}` (theory {__version__}, Python "
        f"{platform.python_version()}, numpy {numpy.__version__}, scipy {scipy.__version__}).",
        "",
        format_table(rows),
        "",
        "## Details",
        "",
    ]
    for r in rows:
        md.append(f"### {r.check}: {r.prediction}")
        md.append("")
        md.append(f"{'PASS' if r.passed else 'FAIL'} in {r.seconds:.1f} s. {r.details}".rstrip())
        if r.figure:
            md += ["", f"![{r.check}](figures/{Path(r.figure).name})"]
        md.append("")
    md_path = out / "validation.md"
    md_path.write_text("\n".join(md))
    json_path = out / "validation.json"
    json_path.write_text(json.dumps({"scale": scale, "rows": [r.as_dict() for r in rows]},
                                    indent=1, default=str))
    return {"markdown": md_path, "json": json_path}


__all__ = ["CheckResult", "Context", "check", "run_checks", "write_report", "format_table",
           "registered_checks"]
