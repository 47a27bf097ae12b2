"""CLI: `dmft` uses the deterministic output-gate DMFT for alpha_z = 0, alpha_r > 0; `transitions`
reports its onset."""

import json

import pytest


def test_cli_dmft_output_gate_deterministic(run_cli):
    code, out, err = run_cli("dmft", "--g-h", "1.8", "--alpha-r", "20", "--json", "--threads", "1")
    assert code == 0, err
    res = json.loads(out)
    assert res["solver"] == "deterministic" and res["chaotic"] is True
    assert {"delta_h", "tau_relax", "lambda_max", "corr"} <= set(res)
    assert res["corr"]["tau"][0] == 0.0 and res["corr"]["c_h"][0] == pytest.approx(res["delta_h"])
    # bistable window (g_chaos = 1.759 < 1.8 < g_instability = 2): chaotic with lambda_max > 0
    assert res["lambda_max"] > 0 and res["tolerances"]["newton"] < 1e-10


def test_cli_dmft_output_gate_below_onset(run_cli):
    code, out, err = run_cli("dmft", "--g-h", "1.7", "--alpha-r", "20", "--json")
    assert code == 0, err
    res = json.loads(out)
    # no chaotic solution below the fold: the quiescent state, rate s_z (g_h s_r - 1)
    assert res["chaotic"] is False and res["delta_h"] == 0.0
    assert res["lambda_max"] == pytest.approx(0.5 * (1.7 * 0.5 - 1.0), rel=1e-12)
    code, out, err = run_cli("dmft", "--g-h", "1.7", "--alpha-r", "20", "--below-onset", "raise")
    assert code == 2 and "no chaotic" in err and len(err.strip().splitlines()) == 1


def test_cli_transitions_reports_the_fold(run_cli):
    code, out, err = run_cli("transitions", "--alpha-r", "20", "--json")
    assert code == 0, err
    res = json.loads(out)
    assert res["discontinuous"] is True
    assert res["g_topological"] < res["g_chaos"] < res["g_instability"]
