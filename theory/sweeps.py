"""Resumable parameter sweeps on any ``concurrent.futures`` executor.

A sweep maps a module-level function over points (keyword arguments), each with an explicit
seed derived from the base seed and the point's index, so the same plan always gives the same
numbers, whatever runs it: a local process pool (default), a thread pool, or a dask.distributed
cluster (``distributed.Client(address).get_executor()``; see :func:`open_executor`).

Each finished point is written at once and atomically (temporary file, then ``os.replace``) as
one JSON file ``<out>/points/<key>.json`` holding the result or the error, the point, its seed,
and the provenance (versions, generated-code hash, time taken). A run that is killed loses only
the points still running; running the same plan again skips every point with a file. A point
that raised is recorded with its error and the sweep goes on (``retry_failed=True`` runs such
points again).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .progress import progress_bar


@dataclass(frozen=True)
class SweepPoint:
    """One point of a plan: its index, keyword arguments, seed and file key."""

    index: int
    kwargs: Mapping[str, Any]
    seed: int
    key: str


@dataclass
class SweepResult:
    """What a run did: records of every point of the plan (in plan order) and counts."""

    records: list[dict]
    computed: int
    skipped: int
    failed: int
    out: Path
    errors: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return all(r is not None and r["status"] == "ok" for r in self.records)


def function_name(func: Callable) -> str:
    """``module:qualname`` of a module-level function (the only kind a process pool can send)."""
    name = f"{func.__module__}:{func.__qualname__}"
    if "<" in func.__qualname__ or func.__module__ == "__main__":
        raise ValueError(f"sweep functions must be importable module-level functions, got {name}")
    return name


def point_seed(base_seed: int, index: int) -> int:
    """Seed of point ``index``: the first word of SeedSequence([base_seed, index])."""
    return int(np.random.SeedSequence([int(base_seed), int(index)]).generate_state(1, np.uint32)[0])


def plan(func: Callable, points: Iterable[Mapping[str, Any]], base_seed: int = 0) -> list[SweepPoint]:
    """The sweep plan: every point with its seed and key (hash of function, point and seed).

    Points must be JSON-serialisable mappings of keyword arguments; ``seed`` is added to them
    when ``func`` is called.
    """
    if not isinstance(base_seed, int | np.integer) or base_seed < 0:
        raise ValueError(f"base_seed must be an integer >= 0, got {base_seed!r}")
    name = function_name(func)
    out = []
    for i, kw in enumerate(points):
        if not isinstance(kw, Mapping):
            raise ValueError(f"point {i} must be a mapping of keyword arguments, got {kw!r}")
        if "seed" in kw:
            raise ValueError(f"point {i}: 'seed' is set by the sweep, not by the point")
        kw = {k: _plain(v) for k, v in kw.items()}
        seed = point_seed(base_seed, i)
        text = json.dumps({"function": name, "kwargs": kw, "seed": seed}, sort_keys=True)
        out.append(SweepPoint(i, kw, seed, hashlib.sha256(text.encode()).hexdigest()[:20]))
    return out


def _plain(value):
    """JSON-friendly scalars (numpy scalars to Python) for keys and records."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def generated_code_hash(model: str = "gated") -> str:
    """content-sha256 of the generated numpy module of ``model`` (from its header)."""
    path = Path(__file__).parent / "_generated" / f"{model}_numpy.py"
    for line in path.read_text().splitlines()[:20]:
        if line.startswith("content-sha256:"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def provenance() -> dict:
    """Versions and generated-code hash stored with every point."""
    import scipy

    from . import __version__

    return {"theory": __version__, "numpy": np.__version__, "scipy": scipy.__version__,
            "python": platform.python_version(), "generated_sha256": generated_code_hash()}


def _call(name: str, kwargs: dict, seed: int) -> dict:
    """Run one point in a worker; never raises (errors become records)."""
    import importlib

    from threadpoolctl import threadpool_limits

    module, qualname = name.split(":")
    func = importlib.import_module(module)
    for part in qualname.split("."):
        func = getattr(func, part)
    start = time.perf_counter()
    try:
        with threadpool_limits(1):  # workers share the cores: one BLAS thread each
            result = func(**kwargs, seed=seed)
        status, error = "ok", None
    except Exception as exc:  # recorded, the sweep goes on
        result, status = None, "error"
        error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"
    return {"status": status, "result": _jsonable(result), "error": error,
            "seconds": time.perf_counter() - start}


def _jsonable(value):
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _write_atomic(path: Path, record: dict) -> None:
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(record, indent=1))
    os.replace(tmp, path)


def load_record(out: str | Path, point: SweepPoint) -> dict | None:
    """The stored record of ``point`` in the sweep folder ``out``, or None."""
    path = Path(out) / "points" / f"{point.key}.json"
    if not path.exists():
        return None
    return json.loads(path.read_text())


def run_sweep(func: Callable, points: list[SweepPoint], out: str | Path, *,
              executor: Executor | None = None, workers: int = 2, retry_failed: bool = False,
              progress: bool | None = None, desc: str = "sweep") -> SweepResult:
    """Compute every point of ``points`` (from :func:`plan`) not yet stored in ``out``.

    Parameters
    ----------
    func : the module-level function of the plan, called as ``func(**point.kwargs, seed=seed)``
        and returning a JSON-serialisable mapping.
    executor : any concurrent.futures Executor; default a local process pool of ``workers``.
    retry_failed : run points whose stored record is an error again.

    Notes
    -----
    Points are submitted all at once and stored as they finish; on an interrupt the pending
    ones are cancelled and everything finished is already on disk.
    """
    name = function_name(func)
    folder = Path(out) / "points"
    folder.mkdir(parents=True, exist_ok=True)
    records: list[dict | None] = [load_record(out, p) for p in points]
    todo = [p for p, r in zip(points, records)
            if r is None or (retry_failed and r["status"] != "ok")]
    skipped = len(points) - len(todo)
    own = executor is None and todo
    if own:
        executor = ProcessPoolExecutor(max_workers=workers)
    computed = 0
    errors: list[str] = []
    position = {p.key: i for i, p in enumerate(points)}
    futures: dict = {}
    prov = provenance() if todo else {}
    try:
        futures = {executor.submit(_call, name, dict(p.kwargs), p.seed): p for p in todo}
        with progress_bar(len(todo), desc, progress) as bar:
            for fut in as_completed(futures):
                p = futures[fut]
                outcome = fut.result()
                record = {"function": name, "index": p.index, "kwargs": dict(p.kwargs),
                          "seed": p.seed, **outcome, "provenance": prov}
                _write_atomic(folder / f"{p.key}.json", record)
                records[position[p.key]] = record
                computed += 1
                if record["status"] != "ok":
                    errors.append(f"point {p.index} {dict(p.kwargs)}: {record['error'].splitlines()[0]}")
                bar.update(1)
    except BaseException:  # interrupted: finished points are on disk already
        for fut in futures:
            fut.cancel()
        raise
    finally:
        if own:
            executor.shutdown(wait=True, cancel_futures=True)
    failed_total = sum(1 for r in records if r is not None and r["status"] != "ok")
    return SweepResult(records, computed, skipped, failed_total, Path(out), errors)


@contextlib.contextmanager
def open_executor(scheduler: str | None = None, workers: int = 2):
    """An executor for sweeps: a dask.distributed cluster at ``scheduler`` (``tcp://host:port``)
    through ``Client.get_executor()``, else a local process pool of ``workers``."""
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    if scheduler is None:
        with ProcessPoolExecutor(max_workers=workers) as ex:
            yield ex
        return
    try:
        from distributed import Client
    except ImportError:
        raise ValueError("--scheduler needs the 'distributed' package (pip install "
                         "'gated-rnn-theory[dask]')") from None
    with Client(scheduler, timeout="10s") as client:
        yield client.get_executor(pure=False)


__all__ = ["SweepPoint", "SweepResult", "plan", "run_sweep", "open_executor", "point_seed",
           "load_record", "provenance", "generated_code_hash"]
