"""CLI ``gradcheck``: JSON contract, the 1e-6 requirement on small nets, exit codes."""

import json

import pytest

GATED = ["--g-h", "2.5", "--alpha-z", "1.3", "--beta-z", "0.4", "--alpha-r", "0.8", "--beta-r", "-0.3",
         "--beta-h", "0.2", "--tau-z", "0.7", "--tau-r", "1.4", "--i-h", "0.1", "--i-z", "-0.2", "--i-r", "0.15"]


@pytest.mark.parametrize("model", [GATED, ["--model", "additive", "--g-h", "1.8", "--beta-h", "0.1"]])
@pytest.mark.parametrize("method", ["rk4", "euler"])
def test_gradcheck_json(run_cli, model, method):
    code, out, err = run_cli("gradcheck", *model, "--method", method, "--n", "6", "--t", "1.5", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert {"max_rel_error", "n"} <= set(data)
    assert data["n"] == 6 and data["passed"] is True
    assert data["max_rel_error"] < 1e-6
    assert data["max_rel_error"] == max(data["rel_errors"].values())
    assert data["skipped"] == []


def test_gradcheck_skips_parameters_at_their_bound(run_cli):
    code, out, _ = run_cli("gradcheck", "--g-h", "2", "--n", "5", "--t", "1", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data["skipped"]) == {"alpha_z", "alpha_r"}
    assert "beta_z" in data["rel_errors"]


def test_gradcheck_human_output(run_cli):
    code, out, _ = run_cli("gradcheck", "--g-h", "2", "--alpha-z", "1", "--n", "4", "--t", "0.5")
    assert code == 0
    assert "max_rel_error:" in out


@pytest.mark.parametrize("argv, match", [
    (["--g-h", "2", "--n", "0"], "n"),
    (["--g-h", "2", "--n", "65"], "n must be <= 64"),
    (["--g-h", "2", "--dt", "0"], "dt"),
    (["--g-h", "2", "--t", "0.123"], "whole number"),
    (["--g-h", "2", "--checkpoint-every", "0"], "checkpoint-every"),
    (["--g-h", "-1"], "g_h"),
    (["--n", "4"], "g-h"),
    (["--g-h", "2", "--method", "leapfrog"], "method"),
])
def test_gradcheck_bad_input(run_cli, argv, match):
    code, out, err = run_cli("gradcheck", *argv, "--json")
    assert code == 2
    assert out == ""
    assert match in err and len(err.strip().splitlines()) == 1
