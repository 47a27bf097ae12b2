"""The phase benchmark produces valid rows (tiny sizes; speed is never checked in tests)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # benchmarks/ is a top-level package run from the repo root
    sys.path.insert(0, str(ROOT))

from benchmarks import phase, registry  # noqa: E402


def test_phase_benchmark_rows_are_valid(monkeypatch):
    monkeypatch.setattr(phase, "FULL", 8)  # quick mode: a 4 x 4 diagram
    monkeypatch.setattr(phase, "POINT", dict(phase.POINT, n=20, t_run=5.0, t_transient=5.0))
    rows = registry.registered()["phase"].run(quick=True)
    assert [r["size"] for r in rows] == ["8 x 8 (g_h, alpha_r)", "8 alpha_r columns", "N=20, t=10",
                                         "4 points"]
    for r in rows:
        assert r["time"] > 0 and r["reference"] > 0
        assert abs(r["ratio"] - r["time"] / r["reference"]) < 1e-9 * max(1.0, r["ratio"])
    assert rows[0]["target"] == "<= 1" and "EXTRAPOLATED" in rows[0]["note"]
