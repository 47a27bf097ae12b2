"""``python -m theory memory``: JSON keys, consistency with the library, exit codes."""

import json

import pytest

from theory import memory as mem

KEYS = ("frozen_fraction_theory", "slow_mode_fraction", "memory_time", "integration_error", "reset_time")
SMALL = ("--n", "150", "--t-hold", "40", "--trials", "4", "--pulses", "2", "--threads", "1")


def test_memory_json_keys_and_values(run_cli):
    code, out, _ = run_cli("memory", *SMALL, "--json")
    assert code == 0
    data = json.loads(out)
    assert set(KEYS) <= set(data)
    assert data["n"] == 150 and data["seed"] == 0 and data["params"]["alpha_z"] == 10.0
    assert data["frozen_fraction_theory"] == pytest.approx(0.5)  # beta_z = 0: theta_z = 0
    ms = mem.marginal_state(mem.DEFAULT_PARAMS, 150, 0)
    assert data["slow_mode_fraction"] == pytest.approx(mem.slow_mode_count(ms, 0.01) / 150)
    assert data["memory_time"] == pytest.approx(mem.memory_time(ms, 40.0)["measured"], rel=1e-12)
    assert 0 <= data["integration_error"] < 0.01
    assert 1.0 < data["reset_time"] < 2.0


def test_memory_human_output_and_options(run_cli):
    code, out, _ = run_cli("memory", *SMALL, "--alpha-z", "20", "--beta-z", "2")
    assert code == 0 and "frozen_fraction_theory:" in out and "reset_time:" in out


@pytest.mark.parametrize("argv, message", [
    (("--alpha-z", "0"), "alpha_z"),
    (("--eps", "2"), "--eps"),
    (("--s-max", "0"), "--s-max"),
    (("--pulses", "0"), "--pulses"),
    (("--t-hold", "-1"), "--t-hold"),
    (("--reset-strength", "nan"), "--reset-strength"),
    (("--g-h", "1.5"), "no nonzero"),
    (("--model", "additive"), "additive"),
    (("--seed", "-1"), "--seed"),
    (("--n", "0"), "n"),
    (("--dt", "0.07"), "not a whole number"),
])
def test_memory_bad_input_exit_2(run_cli, argv, message):
    code, out, err = run_cli("memory", *SMALL, *argv, "--json")
    assert code == 2 and out == "" and message in err and len(err.strip().splitlines()) == 1
