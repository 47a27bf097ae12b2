"""Transition lines: quiescent instability and topological (fixed points appear) gains."""

import math

import pytest

from theory import ModelParams
from theory import static_mft as sm
from theory import transitions as tr


@pytest.mark.parametrize("beta_r", [-1.0, 0.0, 0.7, 2.0])
def test_g_instability_is_one_plus_exp_beta_r(beta_r):
    p = ModelParams.gated(1.0, alpha_r=3.0, beta_r=beta_r, alpha_z=2.0, beta_z=1.0)
    g = tr.g_instability(p)
    assert g == pytest.approx(1 + math.exp(beta_r), rel=1e-12)
    assert tr.F0_quiescent(p, g) == pytest.approx(1.0, rel=1e-12)


def test_g_instability_additive_and_output_gate_input():
    assert tr.g_instability(ModelParams.additive(3.0)) == pytest.approx(1.0, rel=1e-12)
    # a constant input to r shifts the gate: s_r = expit(alpha_r I_r - beta_r)
    p = ModelParams.gated(1.0, alpha_r=2.0, I_r=0.4)
    assert tr.g_instability(p) == pytest.approx(1 + math.exp(-0.8), rel=1e-12)


def test_none_when_zero_is_not_a_fixed_point():
    for p in (ModelParams.gated(1.0, beta_h=0.2), ModelParams.gated(1.0, I_h=0.1)):
        t = tr.transitions(p)
        assert t.g_instability is None and t.g_topological is None
        assert t.g_chaos is None and t.discontinuous is None


def test_small_alpha_r_topological_equals_instability():
    t = tr.transitions(ModelParams.gated(1.0, alpha_r=1.0), dmft_onset=False)
    assert t.g_topological == t.g_instability == pytest.approx(2.0)
    assert t.saddle_node is False


def test_large_alpha_r_saddle_node_before_instability():
    p = ModelParams.gated(1.0, alpha_r=20.0)
    t = tr.transitions(p)
    assert t.saddle_node and t.g_topological < t.g_instability
    # located to 1e-6: no nonzero fixed point just below, two just above
    assert sm.count_nonzero_branches(p.replace(g_h=t.g_topological - 1e-6)) == 0
    assert sm.count_nonzero_branches(p.replace(g_h=t.g_topological + 1e-6)) == 2
    # the same point as the saddle-node search
    (sn,) = sm.saddle_nodes(p, 1.0, 2.5, n_grid=16)
    assert abs(sn.g_h - t.g_topological) < 1e-8
    # g_h and the update gate do not matter
    t2 = tr.transitions(p.replace(g_h=5.0, alpha_z=10.0, beta_z=2.0))
    assert t2.g_topological == pytest.approx(t.g_topological, abs=1e-9)


def test_crossover_alpha_r():
    # expansion of H(D) = 1 - m(D)/D at g = 2, beta_r = 0: H = D (8 - alpha_r^2) + O(D^2), so the
    # bifurcation turns discontinuous (saddle-node first) for alpha_r > 2 sqrt(2)
    assert tr.transitions(ModelParams.gated(1.0, alpha_r=2.6), dmft_onset=False).saddle_node is False
    assert tr.transitions(ModelParams.gated(1.0, alpha_r=3.1), dmft_onset=False).saddle_node is True


@pytest.mark.parametrize("params", [ModelParams.additive(1.0), ModelParams.gated(1.0),
                                    ModelParams.gated(1.0, beta_r=0.7, beta_z=-0.3)])
def test_g_chaos_constant_gates_is_the_dmft_onset(params):
    from theory.dmft import NoChaoticSolution, solve_dmft

    t = tr.transitions(params)
    assert t.discontinuous is False
    # the chaotic DMFT solution exists just above g_chaos and not just below
    solve_dmft(params.replace(g_h=t.g_chaos * 1.01))
    with pytest.raises(NoChaoticSolution):
        solve_dmft(params.replace(g_h=t.g_chaos * 0.999))
    # with constant gates all three lines coincide (THEORY.md section 6)
    assert t.g_chaos == pytest.approx(t.g_instability, rel=1e-10)
    assert t.g_topological == pytest.approx(t.g_instability, rel=1e-6)


def test_g_chaos_with_fluctuating_gates():
    # both gates fluctuating: h is not Gaussian; without sampled_onset the onset is not located
    t = tr.transitions(ModelParams.gated(1.0, alpha_r=20.0, alpha_z=2.0))
    assert t.g_chaos is None and t.discontinuous is None and t.g_chaos_stderr is None
    # update gate only: the small-amplitude onset g_h s_r = 1 (chaos_onset_line Notes)
    t = tr.transitions(ModelParams.gated(1.0, alpha_z=5.0, beta_r=0.5))
    assert t.g_chaos == pytest.approx(1 + math.exp(0.5), rel=1e-12) and t.discontinuous is False
    # output gate only: the fold of the deterministic DMFT branch (tests/test_dmft_output_gate.py)
    t = tr.transitions(ModelParams.gated(1.0, alpha_r=20.0))
    assert t.discontinuous is True and t.g_topological < t.g_chaos < t.g_instability


@pytest.mark.parametrize("g_h, alpha_r, beta_r", [(4.0, 2.0, 2.0), (1.5, 5.0, 0.0), (3.0, 0.5, 1.0)])
def test_critical_output_gate_input_opens_the_gates_to_gain_one(g_h, alpha_r, beta_r):
    """g_h sigma_r(alpha_r I_c - beta_r) = 1  <=>  I_c = (beta_r - log(g_h - 1)) / alpha_r."""
    p = ModelParams.gated(g_h, alpha_r=alpha_r, beta_r=beta_r)
    i_c = tr.critical_output_gate_input(p)
    assert i_c == pytest.approx((beta_r - math.log(g_h - 1.0)) / alpha_r, abs=1e-11)
    assert tr.g_instability(p.replace(I_r=i_c)) == pytest.approx(g_h, rel=1e-10)


def test_critical_output_gate_input_edge_cases():
    assert tr.critical_output_gate_input(ModelParams.gated(0.9, alpha_r=2.0)) is None  # never
    assert tr.critical_output_gate_input(ModelParams.gated(4.0, alpha_r=2.0, beta_r=-200.0)) == -math.inf
    with pytest.raises(ValueError, match="alpha_r > 0"):
        tr.critical_output_gate_input(ModelParams.gated(4.0))


@pytest.mark.parametrize("i_r, i_z", [(0.0, 0.0), (0.3, 0.0), (1.2, -0.5)])
def test_quiescent_disk_from_the_generated_F0(i_r, i_z):
    """s_z = sigma_z(I_z), g_eff = g_h sigma_r(alpha_r I_r - beta_r) at h = 0 (beta_h = 0)."""
    p = ModelParams.gated(4.0, alpha_r=2.0, beta_r=2.0, alpha_z=1.5, beta_z=0.5, I_r=i_r, I_z=i_z)
    s_z, g_eff = tr.quiescent_disk(p)
    assert s_z == pytest.approx(1 / (1 + math.exp(-1.5 * i_z + 0.5)), rel=1e-12)
    assert g_eff == pytest.approx(4.0 / (1 + math.exp(-2.0 * i_r + 2.0)), rel=1e-10)
    assert tr.quiescent_rate(p) == pytest.approx(s_z * (g_eff - 1), rel=1e-12)
    with pytest.raises(ValueError, match="quiescent"):
        tr.quiescent_disk(p.replace(beta_h=0.2))


def test_sampled_onset_is_passed_through(monkeypatch):
    """transitions(sampled_onset=True) takes g_chaos, discontinuous and the stderr from
    theory.dmft_sampling_onset (its numerics: tests/test_dmft_sampling_onset.py); only for
    alpha_z > 0 with alpha_r > 0."""
    import numpy as np

    from theory import dmft_sampling_onset as dso

    calls = []

    def fake(params, **kwargs):
        calls.append(params)
        return dso.SampledOnset(1.77, 0.002, True, 0.03, np.ones(3), np.ones(3), np.zeros(3), np.ones((3, 2)))

    monkeypatch.setattr(dso, "chaos_onset_sampling", fake)
    t = tr.transitions(ModelParams.gated(1.0, alpha_r=20.0, alpha_z=2.0), sampled_onset=True)
    assert (t.g_chaos, t.discontinuous, t.g_chaos_stderr) == (1.77, True, 0.002) and len(calls) == 1
    t = tr.transitions(ModelParams.gated(1.0, alpha_r=20.0), sampled_onset=True)   # deterministic fold
    assert len(calls) == 1 and t.g_chaos_stderr == 0.0 and t.as_dict()["g_chaos_stderr"] == 0.0
