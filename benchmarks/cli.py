"""Command line of the benchmark harness: ``python -m benchmarks [--quick] [--only NAME]``."""

from __future__ import annotations

import argparse
import contextlib
import sys
import traceback
from pathlib import Path

from . import machine, registry, report

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "reports" / "benchmarks.md"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    p.add_argument("--quick", action="store_true", help="small sizes and few repeats (seconds)")
    p.add_argument("--only", action="append", metavar="NAME",
                   help="run only this benchmark (repeatable); see --list")
    p.add_argument("--list", action="store_true", help="list the registered benchmarks and exit")
    p.add_argument("--blas-threads", type=int, metavar="K",
                   help="limit BLAS to K threads (threadpoolctl) for the whole run; default: as loaded")
    p.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                   help=f"markdown file to write (default: {DEFAULT_OUTPUT})")
    return p


@contextlib.contextmanager
def _blas_limit(threads):
    if threads is None:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads, user_api="blas"):
        yield


def run(selected, quick: bool):
    """Run the benchmarks in order; returns (rows, errors). A failure does not stop the others."""
    rows, errors = [], []
    for bench in selected:
        print(f"running {bench.name} ...", file=sys.stderr, flush=True)
        try:
            rows.extend(bench.run(quick))
        except Exception as exc:
            traceback.print_exc()
            errors.append(f"{bench.name}: {type(exc).__name__}: {exc}")
    return rows, errors


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    if args.list:
        for name, bench in registry.discover().items():
            doc = (bench.func.__doc__ or "").strip().splitlines()
            print(f"{name:24s} {doc[0] if doc else ''}")
        return 0
    try:
        selected = registry.select(args.only)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.blas_threads is not None and args.blas_threads < 1:
        print(f"error: --blas-threads must be >= 1, got {args.blas_threads}", file=sys.stderr)
        return 2
    started, warning = machine.now(), machine.busy_warning()
    with _blas_limit(args.blas_threads):
        rows, errors = run(selected, args.quick)
        facts = machine.facts(started)  # inside the limit, so the header shows the threads used
    text = report.render(rows, facts, args.quick, errors, warnings=[warning] if warning else [])
    print(text, end="")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"written to {args.output}", file=sys.stderr)
    return 1 if errors else 0
