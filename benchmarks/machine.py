"""Facts about the machine and the numeric stack, for the header of the benchmark report."""

from __future__ import annotations

import datetime
import os
import platform
import sys

import numpy as np


def _cpu_counts() -> str:
    total = os.cpu_count()
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return str(total)
    return str(total) if usable == total else f"{total} ({usable} usable by this process)"


def _processor() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_info() -> list[dict]:
    """BLAS/OpenMP libraries loaded by numpy, as reported by threadpoolctl ([] if unavailable)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return threadpool_info()


def _describe_pool(pool: dict) -> str:
    name = pool.get("internal_api") or pool.get("prefix") or "?"
    parts = [f"{name} {pool.get('version') or ''}".strip(), f"{pool.get('num_threads')} threads"]
    if pool.get("architecture"):
        parts.append(f"arch {pool['architecture']}")
    if pool.get("threading_layer"):
        parts.append(f"threading {pool['threading_layer']}")
    origin = os.path.basename(os.path.dirname(pool.get("filepath", ""))) or "?"
    return ", ".join(parts) + f" (from {origin})"


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def busy_warning() -> str | None:
    """A warning when other work already loads the CPUs (taken before the run starts)."""
    try:
        load, cpus = os.getloadavg()[0], len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return None
    if load < max(0.5, cpus - 1):
        return None
    return (f"machine busy before the run (1-min load {load:.2f} on {cpus} CPUs): multi-threaded BLAS "
            "timings can be inflated and quantised to scheduler ticks; prefer --blas-threads 1 "
            "or re-run when idle")


def facts(started: datetime.datetime | None = None) -> dict[str, str]:
    """Ordered {label: value} describing where and when (``started``, default now) the run was."""
    pools = blas_info()
    out = {
        "date": (started or now()).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "host": f"{platform.node()} ({platform.system()} {platform.release()}, {platform.machine()})",
        "processor": _processor(),
        "CPU count": _cpu_counts(),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "BLAS": "; ".join(_describe_pool(p) for p in pools) or "unknown (threadpoolctl not available)",
    }
    try:
        out["load average"] = " ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1, 5, 15 min, at the end)"
    except (AttributeError, OSError):
        pass
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(var):
            out[var] = os.environ[var]
    return out
