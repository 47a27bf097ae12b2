"""``python -m theory spectrum``: JSON keys, consistency with the library, exit codes."""

import json
import subprocess
import sys

import numpy as np
import pytest

from theory import ModelParams
from theory import spectral_curve as sc
from theory.static_mft import solve_static


def test_spectrum_json_keys_and_values(run_cli):
    code, out, _ = run_cli("spectrum", "--g-h", "2.5", "--alpha-z", "5", "--alpha-r", "1",
                           "--n-points", "64", "--json")
    assert code == 0
    data = json.loads(out)
    for key in ("right_edge", "frozen_fraction", "boundary", "spectral_radius", "F_hr0",
                "marginally_stable", "delta_h", "q"):
        assert key in data
    assert len(data["boundary"]) == 64 and all(len(p) == 2 for p in data["boundary"])
    p = ModelParams.gated(2.5, alpha_z=5.0, alpha_r=1.0)
    b = solve_static(p).nonzero[-1]
    assert data["delta_h"] == pytest.approx(b.delta_h, rel=1e-12)
    assert data["right_edge"] == pytest.approx(sc.right_edge(p, b), rel=1e-10)
    assert data["frozen_fraction"] == pytest.approx(0.5)
    lam = np.array(data["boundary"]) @ np.array([1, 1j])
    np.testing.assert_allclose(sc.spectral_function(p, b, lam), 1.0, atol=1e-9)
    assert data["marginally_stable"] is True and data["F_hr0"] > 1


def test_spectrum_human_output_and_theta(run_cli):
    code, out, _ = run_cli("spectrum", "--g-h", "3", "--alpha-r", "1", "--theta-z", "0.3",
                           "--n-points", "16")
    assert code == 0 and "right_edge:" in out and "frozen_fraction:" in out


def test_spectrum_bad_input_exit_2(run_cli):
    # no nonzero branch below the instability of the zero fixed point
    code, out, err = run_cli("spectrum", "--g-h", "1.5", "--json")
    assert code == 2 and out == "" and "no nonzero fixed-point branch" in err
    code, _, err = run_cli("spectrum", "--g-h", "3", "--branch", "stable", "--json")
    assert code == 2 and "stable" in err
    code, _, _ = run_cli("spectrum", "--g-h", "3", "--n-points", "3", "--json")
    assert code == 2
    code, _, _ = run_cli("spectrum", "--g-h", "3", "--tau-r", "-1", "--json")
    assert code == 2


def test_spectrum_subprocess_stdout_is_one_json_object():
    proc = subprocess.run([sys.executable, "-m", "theory", "spectrum", "--g-h", "2.5",
                           "--n-points", "8", "--json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0
    assert set(json.loads(proc.stdout)) >= {"right_edge", "frozen_fraction", "boundary"}
