"""The benchmark harness runs and writes a well-formed table (speed is never checked in CI)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # benchmarks/ is a top-level package run from the repo root
    sys.path.insert(0, str(ROOT))

from benchmarks import cli, network_step, registry, report  # noqa: E402

COLUMNS = list(report.COLUMNS)


def parse_table(text: str) -> list[dict]:
    """Rows of the single markdown table in ``text``, checked for shape."""
    lines = [ln for ln in text.splitlines() if ln.startswith("|")]
    assert len(lines) >= 3, text
    split = [[c.strip() for c in ln.strip("|").split(" | ")] for ln in lines]
    assert split[0] == COLUMNS
    assert all(set(c) <= {"-"} for c in lines[1].strip("|").split("|"))
    rows = [dict(zip(COLUMNS, cells)) for cells in split[2:]]
    for cells in split[2:]:
        assert len(cells) == len(COLUMNS), cells
    return rows


@pytest.fixture
def tiny(monkeypatch):
    monkeypatch.setattr(network_step, "CASES_QUICK", ((24, None), (24, 3)))
    monkeypatch.setattr(network_step, "REPEATS_QUICK", 2)
    monkeypatch.setattr(network_step, "MIN_SAMPLE_QUICK", 1e-4)


def test_quick_run_writes_a_well_formed_table(tiny, tmp_path, capsys):
    out = tmp_path / "sub" / "bench.md"
    assert cli.main(["--quick", "--only", "network_step", "--output", str(out)]) == 0
    printed = capsys.readouterr().out
    text = out.read_text()
    assert text == printed
    assert text.startswith("# Benchmarks")
    for label in ("date", "CPU count", "numpy", "BLAS"):
        assert f"- {label}: " in text
    rows = parse_table(text)
    assert [r["size"] for r in rows] == ["N=24", "N=24, B=3"]
    for r in rows:
        assert r["benchmark"] == "network_step"
        time_ms, ref_ms, ratio = float(r["time [ms]"]), float(r["reference [ms]"]), float(r["ratio"])
        assert time_ms > 0 and ref_ms > 0 and ratio > 0
        assert ratio == pytest.approx(time_ms / ref_ms, rel=0.05, abs=0.01)
        assert r["target"] == "<= 1.5" and r["met"] in ("yes", "**NO**")


def test_entry_point_lists_benchmarks():
    res = subprocess.run([sys.executable, "-m", "benchmarks", "--list"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert "network_step" in res.stdout


def test_unknown_benchmark_is_an_error(tmp_path, capsys):
    assert cli.main(["--only", "no_such_bench", "--output", str(tmp_path / "b.md")]) == 2
    assert "no_such_bench" in capsys.readouterr().err
    assert not (tmp_path / "b.md").exists()


def test_failing_benchmark_is_reported_and_others_still_run(tiny, tmp_path, capsys, monkeypatch):
    def broken(quick):
        raise RuntimeError("boom")

    monkeypatch.setitem(registry._REGISTRY, "_broken_for_test", registry.Benchmark("_broken_for_test", broken))
    code = cli.main(["--quick", "--only", "_broken_for_test", "--only", "network_step",
                     "--output", str(tmp_path / "b.md")])
    assert code == 1
    text = (tmp_path / "b.md").read_text()
    assert "_broken_for_test: RuntimeError: boom" in text
    assert len(parse_table(text)) == 2


def test_rows_are_validated():
    good = {"benchmark": "b", "size": "N=1", "time": 1.0, "reference": 2.0, "ratio": 0.5,
            "target": "", "note": ""}
    assert registry.validate_row(dict(good)) == good
    with pytest.raises(ValueError, match="missing"):
        registry.validate_row({k: v for k, v in good.items() if k != "note"})
    with pytest.raises(ValueError, match="number"):
        registry.validate_row({**good, "time": "fast"})
    with pytest.raises(ValueError, match="already registered"):
        registry.benchmark("network_step")(lambda quick: [])


@pytest.mark.parametrize("ratio, target, met", [(1.2, "<= 1.5", True), (1.6, "<= 1.5", False),
                                                 (12, ">= 10", True), (1.0, "", None)])
def test_target_met(ratio, target, met):
    assert registry.target_met(ratio, target) is met
