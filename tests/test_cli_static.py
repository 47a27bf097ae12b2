"""CLI commands ``static`` and ``transitions``: JSON keys, values, exit codes."""

import json
import math

import pytest



def test_static_json_branches(run_cli):
    code, out, _ = run_cli("static", "--g-h", "1.8", "--alpha-r", "20", "--json")
    assert code == 0
    data = json.loads(out)
    branches = data["branches"]
    assert len(branches) == 3
    for b in branches:
        assert set(("delta_h", "q", "stable")) <= set(b)
        assert isinstance(b["delta_h"], float) and isinstance(b["stable"], bool)
    assert branches[0]["delta_h"] == 0.0 and branches[0]["stable"] is True
    assert all(b["delta_h"] > 0 and not b["stable"] for b in branches[1:])


def test_static_additive_and_human_output(run_cli):
    code, out, _ = run_cli("static", "--model", "additive", "--g-h", "2", "--json")
    assert code == 0
    d = json.loads(out)["branches"]
    assert len(d) == 2 and d[1]["q"] == pytest.approx(d[1]["delta_h"])
    code, out, _ = run_cli("static", "--g-h", "3")
    assert code == 0 and "branches: delta_h=0" in out


def test_transitions_json(run_cli):
    code, out, _ = run_cli("transitions", "--alpha-r", "20", "--beta-r", "0.5", "--json")
    assert code == 0
    data = json.loads(out)
    for key in ("g_instability", "g_topological", "g_chaos", "discontinuous"):
        assert key in data
    assert data["g_instability"] == pytest.approx(1 + math.exp(0.5), rel=1e-12)
    assert data["g_topological"] < data["g_instability"]
    # the output-gate DMFT fold: chaos appears after the fixed points, with a jump of lambda_max
    assert data["g_topological"] < data["g_chaos"] < data["g_instability"]
    assert data["discontinuous"] is True


def test_transitions_without_zero_fixed_point_is_null(run_cli):
    code, out, _ = run_cli("transitions", "--beta-h", "0.3", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["g_instability"] is None and data["g_topological"] is None


@pytest.mark.parametrize("argv, fragment", [
    (["static"], "--g-h is required"),
    (["static", "--g-h", "2", "--alpha-r", "-1"], "alpha_r must be"),
    (["static", "--g-h", "2", "--n-scan", "3"], "n_scan must be"),
    (["static", "--model", "additive", "--g-h", "2", "--alpha-r", "1"], "no meaning in the additive"),
    (["transitions", "--tau-r", "0"], "tau_r must be"),
])
def test_bad_input_exits_2(run_cli, argv, fragment):
    code, out, err = run_cli(*argv)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and fragment in err


def test_non_convergence_exits_3(run_cli, monkeypatch):
    from theory import static_mft
    from theory.errors import ConvergenceError

    def fail(*args, **kwargs):
        raise ConvergenceError("forced", [1.0, 0.5])

    monkeypatch.setattr(static_mft, "solve_static", fail)
    code, out, err = run_cli("static", "--g-h", "2", "--json")
    assert code == 3 and out == "" and "no convergence" in err
