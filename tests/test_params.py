"""ModelParams: presets, validation with clear messages, immutability, inputs."""

import math

import numpy as np
import pytest

from theory.params import ModelParams, validate_positive, validate_size


def test_defaults_follow_theory_conventions():
    p = ModelParams.gated(2.0)
    assert (p.alpha_z, p.alpha_r, p.beta_z, p.beta_r, p.beta_h) == (0, 0, 0, 0, 0)
    assert (p.tau_z, p.tau_r) == (1.0, 1.0)
    assert p.n_fields == 3 and ModelParams.additive(2.0).n_fields == 1


@pytest.mark.parametrize(
    "name, value, fragment",
    [
        ("g_h", -1.0, "g_h must be a finite number >= 0"),
        ("g_h", math.nan, "g_h must be"),
        ("alpha_z", -0.1, "alpha_z must be a finite number >= 0"),
        ("alpha_r", math.inf, "alpha_r must be"),
        ("tau_z", 0.0, "tau_z must be a finite number > 0"),
        ("tau_r", -2.0, "tau_r must be a finite number > 0"),
        ("beta_h", math.nan, "beta_h must be a finite real number"),
        ("beta_z", "abc", "beta_z must be"),
        ("model", "lstm", "model must be one of"),
        ("I_h", np.ones((2, 2)), "I_h must be a number, a 1-D"),
        ("I_z", [1.0, math.nan], "I_z must be finite"),
    ],
)
def test_bad_values_name_the_parameter_and_range(name, value, fragment):
    with pytest.raises(ValueError, match=fragment):
        ModelParams.from_dict({"g_h": 1.0, name: value})


def test_unknown_and_missing_names():
    with pytest.raises(ValueError, match="unknown parameter"):
        ModelParams.from_dict({"g_h": 1.0, "alpha": 2.0})
    with pytest.raises(ValueError, match="g_h is required"):
        ModelParams.from_dict({"alpha_z": 2.0})


def test_additive_rejects_gate_parameters():
    with pytest.raises(ValueError, match="alpha_z has no meaning in the additive model"):
        ModelParams.additive(2.0, alpha_z=1.0)
    with pytest.raises(ValueError, match="I_r has no meaning"):
        ModelParams.additive(2.0, I_r=0.5)
    assert ModelParams.additive(2.0, beta_h=0.3, I_h=0.1).beta_h == 0.3


def test_frozen_replace_and_equality():
    p = ModelParams.gated(2.0, alpha_z=3.0)
    with pytest.raises(AttributeError):
        p.g_h = 3.0  # type: ignore[misc]
    q = p.replace(g_h=3.0)
    assert q.g_h == 3.0 and q.alpha_z == 3.0 and p.g_h == 2.0
    assert p == ModelParams.gated(2.0, alpha_z=3.0) and p != q
    with pytest.raises(ValueError, match="tau_r"):
        p.replace(tau_r=0)


def test_inputs_constant_vector_and_callable():
    vec = np.arange(4.0)
    p = ModelParams.gated(1.0, I_h=vec, I_z=lambda t: np.sin(t), I_r=2)
    assert p.I_r == 2.0 and isinstance(p.I_r, float)
    assert not p.I_h.flags.writeable and p.I_h is not vec
    assert p.has_time_dependent_input and not ModelParams.gated(1.0).has_time_dependent_input
    prov = p.provenance()
    assert prov["I_h"]["per_unit"] and prov["I_z"].startswith("<function")
    assert p == p.replace() and p != p.replace(I_h=vec + 1)


def test_size_and_positive_validators():
    assert validate_size(np.int64(5)) == 5
    for bad in (0, -3, 2.5, True, "10"):
        with pytest.raises(ValueError, match="n \\(network size\\) must be an integer >= 1"):
            validate_size(bad)
    with pytest.raises(ValueError, match="dt must be a finite number > 0"):
        validate_positive("dt", 0.0)
    assert validate_positive("t", 0.0, allow_zero=True) == 0.0
