"""Command line contract (DESIGN.md): JSON keys, stdout purity, exit codes."""

import json
import subprocess
import sys

import pytest



def test_simulate_json_keys(run_cli):
    code, out, _ = run_cli("simulate", "--g-h", "5", "--alpha-r", "2", "--n", "40",
                           "--t", "10", "--t-transient", "5", "--json")
    assert code == 0
    data = json.loads(out)  # stdout is exactly one JSON object
    for key in ("n", "t", "dt", "seed", "mean_h2", "lambda_max"):
        assert key in data
    assert data["n"] == 40 and data["mean_h2"] > 0 and isinstance(data["lambda_max"], float)


def test_lyapunov_json_keys(run_cli):
    code, out, _ = run_cli("lyapunov", "--model", "additive", "--g-h", "3", "--n", "30",
                           "--k", "4", "--t", "10", "--t-transient", "5", "--json")
    assert code == 0
    data = json.loads(out)
    for key in ("exponents", "lambda_max", "lambda_max_stderr", "kaplan_yorke_dim", "entropy_rate"):
        assert key in data
    assert len(data["exponents"]) == 4 and data["lambda_max"] == data["exponents"][0]


def test_human_output(run_cli):
    code, out, _ = run_cli("lyapunov", "--g-h", "1", "--n", "10", "--k", "2", "--t", "5",
                           "--t-transient", "0")
    assert code == 0 and "lambda_max:" in out and "kaplan_yorke_dim:" in out


@pytest.mark.parametrize("argv, fragment", [
    (["simulate", "--g-h", "-1"], "g_h must be a finite number >= 0"),
    (["lyapunov", "--g-h", "1", "--tau-r", "0"], "tau_r must be"),
    (["lyapunov", "--g-h", "1", "--n", "0"], "n (network size)"),
    (["simulate", "--g-h", "2", "--nonsense"], "unrecognized arguments"),
    (["simulate"], "--g-h is required"),
    (["simulate", "--g-h", "abc"], "not a number"),
    (["simulate", "--model", "additive", "--g-h", "2", "--beta-r", "1"], "no meaning in the additive"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_input_exits_2_with_one_line(run_cli, argv, fragment):
    code, out, err = run_cli(*argv)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and fragment in err and err.count("\n") == 1


def test_python_dash_m_entry_point():
    proc = subprocess.run([sys.executable, "-m", "theory", "lyapunov", "--g-h", "1", "--n", "5",
                           "--k", "1", "--t", "2", "--t-transient", "0", "--json"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["n"] == 5
    bad = subprocess.run([sys.executable, "-m", "theory", "simulate", "--g-h", "nan"],
                         capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and bad.stdout == ""


def test_threads_option(run_cli):
    code, out, _ = run_cli("lyapunov", "--g-h", "1", "--n", "10", "--k", "2", "--t", "5",
                           "--t-transient", "0", "--threads", "1", "--json")
    assert code == 0 and json.loads(out)["k"] == 2
    code, out, err = run_cli("lyapunov", "--g-h", "1", "--threads", "0")
    assert code == 2 and "--threads must be" in err
