"""The benchmark harness runs and writes a well-formed table (speed is never checked in CI)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
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


# ---- Lyapunov benchmarks: run at tiny sizes for errors only (never for speed) ----------------
from benchmarks import lyapunov_memory, lyapunov_parts, lyapunov_peers, lyapunov_scaling  # noqa: E402
from theory import GatedNetwork  # noqa: E402


@pytest.fixture
def tiny_lyapunov(monkeypatch):
    monkeypatch.setattr(lyapunov_peers, "JITCODE_QUICK", (3, 2, 2.0, 4.0))
    monkeypatch.setattr(lyapunov_peers, "SCIPY_QUICK", (6, 2, 2.0, 4.0))
    monkeypatch.setattr(lyapunov_peers, "N_BLOCKS", 2)
    monkeypatch.setattr(lyapunov_peers, "T_TRANSIENT", 1.0)
    monkeypatch.setattr(lyapunov_scaling, "SWEEPS_QUICK", (("N", (6, 12), 6, 2, 1.0), ("k", (1, 2), 6, 2, 1.0),
                                                           ("T", (1.0, 2.0), 6, 2, 1.0)))
    monkeypatch.setattr(lyapunov_memory, "QUICK", (40, 3))
    monkeypatch.setattr(lyapunov_parts, "QR_QUICK", ((20, 3),))
    monkeypatch.setattr(lyapunov_parts, "F32_QUICK", (20, 3, 1.0))


def test_lyapunov_benchmarks_run_and_skip_a_missing_peer(tiny_lyapunov, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(lyapunov_peers, "jitcode_available", lambda: False)
    out = tmp_path / "b.md"
    assert cli.main(["--quick", "--only", "lyapunov_peers", "--only", "lyapunov_scaling",
                     "--only", "lyapunov_memory", "--only", "lyapunov_parts", "--output", str(out)]) == 0
    rows = parse_table(out.read_text())
    by_bench = {}
    for r in rows:
        by_bench.setdefault(r["benchmark"], []).append(r)
    peers = by_bench["lyapunov_peers"]
    assert peers[0]["met"] == "skipped" and "jitcode not installed" in peers[0]["note"]
    assert [r["met"] for r in peers[1:]] in (["yes", ""], ["**NO**", ""])  # the scipy rows ran
    assert all("max z" in r["note"] for r in peers[1:])
    assert len(by_bench["lyapunov_scaling"]) == 3
    assert all(r["size"].startswith("time ~ ") for r in by_bench["lyapunov_scaling"])
    assert [r["size"].split(",")[0] for r in by_bench["lyapunov_parts"]] == ["QR share", "float32 vs float64"]
    (mem,) = by_bench["lyapunov_memory"]
    assert float(mem["time [ms]"]) > 0 and "MEGABYTES" in mem["note"]


def test_skipped_rows_may_carry_nan_only_when_marked():
    row = lyapunov_peers.skipped_row("N=1", "peer missing")
    assert registry.validate_row(dict(row, benchmark="b"))["skipped"]
    with pytest.raises(ValueError, match="number"):
        registry.validate_row(dict(row, benchmark="b", skipped=False))


def test_fit_exponent_and_block_statistics():
    x = np.array([1.0, 2.0, 4.0, 8.0])
    assert lyapunov_scaling.fit_exponent(x, 3 * x**2) == pytest.approx(2.0)
    logs = np.arange(12.0).reshape(6, 2)  # 6 intervals of length 0.5, 2 exponents, 3 blocks
    mean, se = lyapunov_peers.block_stats(logs, 3, 0.5)
    blocks = np.array([[2, 4], [10, 12], [18, 20]]) / 1.0  # sum over 2 intervals / (2 x 0.5)
    np.testing.assert_allclose(mean, blocks.mean(0))
    np.testing.assert_allclose(se, blocks.std(0, ddof=1) / np.sqrt(3))
    assert lyapunov_peers.agreement([1.0, 0.0], [0.1, 0.1], [0.0, 0.9], [0.0, 0.0]) == pytest.approx(1.0)


def test_jitcode_field_matches_the_network_vector_field():
    pytest.importorskip("jitcode")
    import symengine as se

    net = GatedNetwork(lyapunov_peers.params(), 4, seed=3)
    f, helpers = lyapunov_peers.jitcode_field(net)
    y = np.random.default_rng(0).standard_normal((3, 4))
    from jitcode import y as ysym

    subs = {ysym(i): float(v) for i, v in enumerate(y.ravel())}
    values = {}
    for sym, expr in helpers:  # helpers only refer to y and earlier helpers
        values[sym] = float(expr.subs(subs).subs(values))
    got = np.array([float(e.subs(values).subs(subs)) for e in f])
    np.testing.assert_allclose(got, net.vector_field(0.0, y).ravel(), rtol=1e-12, atol=1e-12)


def test_jitcode_rows_run_when_the_peer_is_installed(tiny_lyapunov):
    pytest.importorskip("jitcode")
    rows = [registry.validate_row(dict(r, benchmark="lyapunov_peers")) for r in lyapunov_peers.jitcode_rows(True)]
    assert len(rows) == 2 and "compile" in rows[0]["note"] and "max z" in rows[0]["note"]
    assert rows[0]["reference"] > rows[1]["reference"] > 0  # compile time counted in the first row only


def test_agreement_pairs_sorted_exponents_with_their_own_errors():
    # unsorted input: a = (0, 1) with errors (1, 0.1); b = (1.1, 0) with errors (0.1, 1)
    z = lyapunov_peers.agreement([0.0, 1.0], [1.0, 0.1], [1.1, 0.0], [0.1, 1.0])
    assert z == pytest.approx(0.1 / np.sqrt(0.02))


def test_matched_dt_meets_the_peers_tolerance(monkeypatch):
    monkeypatch.setattr(lyapunov_peers, "DT_PROBE_STEPS", 5)
    net = GatedNetwork(lyapunov_peers.params(), 10, seed=0)
    y0 = net.initial_state()
    dt = lyapunov_peers.matched_dt(net, y0, 2)
    assert dt in lyapunov_peers.DT_CANDIDATES
    frame = np.linalg.qr(np.random.default_rng(1).standard_normal((30, 2)))[0].reshape(3, 10, 2)
    norm, _ = lyapunov_peers.local_error_norm(net, y0, frame, dt)
    assert norm <= lyapunov_peers.SAFETY or dt == lyapunov_peers.DT_CANDIDATES[0]
    # the estimate falls like dt^5 (RK4 local error) at small steps
    small = [lyapunov_peers.local_error_norm(net, y0, frame, h)[0] for h in (0.02, 0.01)]
    assert 20 < small[0] / small[1] < 45
