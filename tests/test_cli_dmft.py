"""CLI command ``dmft``: JSON keys, values, exit codes."""

import json

import pytest



def test_dmft_json(run_cli):
    code, out, _ = run_cli("dmft", "--g-h", "4", "--n-tau", "50", "--json")
    assert code == 0
    d = json.loads(out)
    assert {"delta_h", "tau_relax", "lambda_max", "corr"} <= set(d)
    assert len(d["corr"]["tau"]) == len(d["corr"]["c_h"]) == 50
    assert d["corr"]["c_h"][0] == pytest.approx(d["delta_h"], rel=1e-9)
    assert d["chaotic"] is True and d["lambda_max"] > 0 and d["tau_relax"] > 0
    # constant-gate identity through the CLI: gated(g_h = 4) = additive(2) / 2
    code, out2, _ = run_cli("dmft", "--model", "additive", "--g-h", "2", "--json")
    assert code == 0
    assert d["lambda_max"] == pytest.approx(json.loads(out2)["lambda_max"] / 2, rel=1e-9)


def test_dmft_below_onset(run_cli):
    code, out, _ = run_cli("dmft", "--g-h", "1.5", "--json")
    assert code == 0
    d = json.loads(out)
    assert d["delta_h"] == 0.0 and d["tau_relax"] is None and d["chaotic"] is False
    assert d["lambda_max"] == pytest.approx(0.5 * (0.75 - 1))
    code, _, err = run_cli("dmft", "--g-h", "1.5", "--below-onset", "raise")
    assert code == 2 and "no chaotic DMFT solution" in err


def test_dmft_human_output(run_cli):
    code, out, _ = run_cli("dmft", "--model", "additive", "--g-h", "2")
    assert code == 0 and "lambda_max: 0.112458" in out and "see --json" in out


@pytest.mark.parametrize("argv, msg", [
    (("--g-h", "3", "--alpha-z", "1", "--n-paths", "1"), "n_paths must be an integer >= 2"),
    (("--g-h", "3", "--alpha-r", "2", "--beta-h", "0.5"), "beta_h"),
    (("--g-h", "3", "--n-tau", "1"), "--n-tau"),
    (("--alpha-r", "2",), "--g-h is required"),
])
def test_dmft_bad_input(run_cli, argv, msg):
    code, out, err = run_cli("dmft", *argv, "--json")
    assert code == 2 and out == "" and msg in err
