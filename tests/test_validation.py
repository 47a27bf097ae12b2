"""Validation harness: registry, failure isolation, report files, the reproduce command."""

import json

import pytest

from theory import validation
from theory.cli import main
from theory.validation import CheckResult, format_table, run_checks, write_report


def test_registry_contains_the_foundation_checks():
    names = set(validation.registered_checks())
    assert {"jacobian", "constant_gate_identity", "zero_fixed_point", "qr_vs_twin"} <= names


def test_a_failing_check_becomes_a_failed_row(monkeypatch, tmp_path):
    def broken(ctx):
        raise RuntimeError("boom")

    monkeypatch.setitem(validation._REGISTRY, "broken_for_test", broken)
    rows = run_checks("quick", only=["broken_for_test"], out=tmp_path)
    assert len(rows) == 1 and not rows[0].passed and "boom" in rows[0].details


def test_unknown_check_and_scale():
    with pytest.raises(ValueError, match="unknown check"):
        run_checks("quick", only=["nope"])
    with pytest.raises(ValueError, match="scale must be one of"):
        run_checks("huge")


def test_report_files_and_table(tmp_path):
    rows = [CheckResult("p1", 1.0, 1.01, "+-0.1", True, check="a"),
            CheckResult("p2", 2.0, 3.0, "+-0.1", False, check="b", figure="fig.png")]
    paths = write_report(rows, tmp_path, "quick")
    text = paths["markdown"].read_text()
    assert "| a | p1 | 1 | 1.01 | +-0.1 | PASS |" in text and "FAIL" in text
    assert "![b](figures/fig.png)" in text
    assert json.loads(paths["json"].read_text())["rows"][1]["passed"] is False
    assert format_table(rows).endswith("1 passed, 1 failed")


def test_reproduce_command_runs_a_check(tmp_path, capsys):
    code = main(["reproduce", "--only", "jacobian", "--out", str(tmp_path), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["passed"] and len(data["rows"]) == 2
    assert (tmp_path / "validation.md").exists()
