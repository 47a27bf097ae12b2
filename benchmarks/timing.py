"""Side-by-side timing: several callables measured in interleaved rounds after a warm-up.

Interleaving (A, B, A, B, ... with the order alternated each round) exposes the candidates to the
same machine conditions, so their ratio is more stable than that of two separate timing runs.
Each sample times enough back-to-back calls to last at least ``min_sample`` seconds.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    """Seconds per call: the best and the median over the samples."""

    best: float
    median: float
    samples: int
    loops: int

    @property
    def best_ms(self) -> float:
        return 1e3 * self.best

    @property
    def median_ms(self) -> float:
        return 1e3 * self.median


def _loops_for(fn: Callable[[], object], min_sample: float) -> int:
    """Calls per sample so that a sample lasts at least ``min_sample`` seconds (fn warm)."""
    loops = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(loops):
            fn()
        elapsed = time.perf_counter() - t0
        if elapsed >= min_sample or loops >= 1 << 20:
            return loops
        loops = max(loops + 1, int(loops * 1.2 * min_sample / max(elapsed, 1e-9)))


def compare(fns: Mapping[str, Callable[[], object]], repeats: int = 7, min_sample: float = 0.01,
            warmup: int = 2) -> dict[str, Timing]:
    """Time each callable in ``fns``; returns {name: Timing}. Rounds are interleaved."""
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    names = list(fns)
    for name in names:
        for _ in range(warmup):
            fns[name]()
    loops = {name: _loops_for(fns[name], min_sample) for name in names}
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(repeats):
        order = names if round_ % 2 == 0 else names[::-1]
        for name in order:
            fn, n = fns[name], loops[name]
            t0 = time.perf_counter()
            for _ in range(n):
                fn()
            samples[name].append((time.perf_counter() - t0) / n)
    return {
        name: Timing(min(s), statistics.median(s), len(s), loops[name]) for name, s in samples.items()
    }
