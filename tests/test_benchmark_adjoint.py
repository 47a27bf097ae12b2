"""The adjoint benchmark runs at a tiny size and returns valid rows (speed is not checked here)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # benchmarks/ is a top-level package run from the repo root
    sys.path.insert(0, str(ROOT))

from benchmarks import adjoint, registry  # noqa: E402


def test_adjoint_benchmark_rows(monkeypatch):
    monkeypatch.setattr(adjoint, "CASE_QUICK", (12, 0.5))
    monkeypatch.setattr(adjoint, "REPEATS_QUICK", 1)
    rows = registry.discover()["adjoint_gradient"].run(True)
    assert len(rows) == 3
    for r in rows:
        assert r["size"] == "N=12, T=0.5, dt=0.05" and r["target"] == "<= 3"
        assert r["time"] > 0 and r["reference"] > 0 and abs(r["ratio"] - r["time"] / r["reference"]) < 1e-12
