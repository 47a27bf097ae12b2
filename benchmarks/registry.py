"""The benchmark registry: ``@benchmark(name)`` functions of ``quick: bool`` returning rows.

A row is a dict with at least the keys of :data:`ROW_KEYS`:

benchmark : str     name of the benchmark (filled in by the runner if missing)
size      : str     problem size, e.g. "N=2000" or "N=2000, B=16"
time      : float   measured time in milliseconds
reference : float   time of the reference it is compared with, in milliseconds
ratio     : float   time / reference
target    : str     target for the ratio from the issue, e.g. "<= 1.5" ("" if none)
note      : str     what the reference is and anything needed to read the row

Optional: ``skipped: True`` marks a row whose comparison could not run (e.g. an optional peer
is not installed); its numbers may be NaN and the note says why.
"""

from __future__ import annotations

import importlib
import math
import pkgutil
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

ROW_KEYS = ("benchmark", "size", "time", "reference", "ratio", "target", "note")

#: Modules of the package that hold machinery, not benchmarks.
INFRASTRUCTURE = frozenset({"registry", "timing", "machine", "report", "cli"})

Row = dict


@dataclass(frozen=True)
class Benchmark:
    name: str
    func: Callable[[bool], list[Row]]

    @property
    def module(self) -> str:
        return self.func.__module__

    def run(self, quick: bool) -> list[Row]:
        rows = []
        for row in self.func(quick):
            row = dict(row)
            row.setdefault("benchmark", self.name)
            rows.append(validate_row(row))
        return rows


_REGISTRY: dict[str, Benchmark] = {}


def benchmark(name: str):
    """Register the decorated function ``f(quick: bool) -> list[row]`` under ``name``."""
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.\-]+", name):
        raise ValueError(f"benchmark name must be a non-empty word, got {name!r}")

    def register(func):
        previous = _REGISTRY.get(name)
        if previous is not None and previous.func.__qualname__ != func.__qualname__:
            raise ValueError(f"benchmark {name!r} is already registered by {previous.module}")
        _REGISTRY[name] = Benchmark(name, func)
        return func

    return register


def discover(package: str = "benchmarks") -> dict[str, Benchmark]:
    """Import every benchmark module of ``package`` and return the registry (in name order)."""
    pkg = importlib.import_module(package)
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name.startswith("_") or info.name in INFRASTRUCTURE:
            continue
        importlib.import_module(f"{package}.{info.name}")
    return registered()


def registered() -> dict[str, Benchmark]:
    return dict(sorted(_REGISTRY.items()))


def select(names: Iterable[str] | None) -> list[Benchmark]:
    """The benchmarks called ``names`` (all when None); ValueError names the unknown ones."""
    available = discover()
    if not names:
        return list(available.values())
    unknown = [n for n in names if n not in available]
    if unknown:
        raise ValueError(f"unknown benchmark(s) {', '.join(unknown)}; available: {', '.join(available)}")
    return [available[n] for n in dict.fromkeys(names)]


def validate_row(row: Row) -> Row:
    missing = [k for k in ROW_KEYS if k not in row]
    if missing:
        raise ValueError(f"benchmark row is missing {missing}: {row!r}")
    skipped = row.get("skipped", False)
    if not isinstance(skipped, bool):
        raise ValueError(f"row['skipped'] must be a bool, got {skipped!r}")
    for key in ("time", "reference", "ratio"):
        value = row[key]
        if not isinstance(value, (int, float)) or isinstance(value, bool) or (math.isnan(value) and not skipped):
            raise ValueError(f"row[{key!r}] must be a number, got {value!r}")
    for key in ("benchmark", "size", "target", "note"):
        if not isinstance(row[key], str):
            raise ValueError(f"row[{key!r}] must be a string, got {row[key]!r}")
    return row


def target_met(ratio: float, target: str) -> bool | None:
    """Whether ``ratio`` meets a target like "<= 1.5" or ">= 10" (None when there is no target)."""
    target = target.strip()
    if not target:
        return None
    m = re.fullmatch(r"(<=|>=|<|>)\s*([0-9.eE+\-]+)", target)
    if m is None:
        raise ValueError(f"target must look like '<= 1.5', got {target!r}")
    op, bound = m.group(1), float(m.group(2))
    return {"<=": ratio <= bound, ">=": ratio >= bound, "<": ratio < bound, ">": ratio > bound}[op]
