"""Static mean-field theory: all branches, saddle-nodes, stability, limits, mpmath reference."""

import functools
import math

import mpmath
import numpy as np
import pytest

from theory import ConvergenceError, ModelParams
from theory import static_mft as sm
from theory._generated import kwargs_for, load
from theory.gaussian import independent_average
from theory.highprec import gate_breakpoints, independent_average_mp


def _nonzero(sol):
    return [b.delta_h for b in sol.nonzero]


def test_every_branch_solves_the_generated_map():
    p = ModelParams.gated(1.8, alpha_r=20.0)
    sol = sm.solve_static(p)
    assert [b.kind for b in sol.branches] == ["zero", "nonzero", "nonzero"]
    gen = load("gated")
    avg = functools.partial(independent_average, tol=1e-13)
    kw = kwargs_for(gen.static_field_variances, p)
    for b in sol.branches:
        v = b.variances
        out = gen.static_field_variances(v["D_h"], v["D_z"], v["D_r"], average=avg, **kw)
        assert np.allclose(out, [v["D_h"], v["D_z"], v["D_r"]], rtol=1e-11, atol=1e-15)
    assert sol.tolerance < 1e-12


def test_constant_gates_equal_rescaled_additive():
    # s_r = 1/2: gated(g_h) has fixed points of additive(g_h / 2) in x = g_h h units
    g = 3.0
    d_gated = _nonzero(sm.solve_static(ModelParams.gated(g)))
    d_add = _nonzero(sm.solve_static(ModelParams.additive(g / 2)))
    assert len(d_gated) == len(d_add) == 1
    assert d_gated[0] * g**2 == pytest.approx(d_add[0] * (g / 2) ** 2, rel=1e-11)


def test_additive_limit_branches_and_stability():
    below = sm.solve_static(ModelParams.additive(0.9))
    assert [b.kind for b in below.branches] == ["zero"] and below.branches[0].stable
    sol = sm.solve_static(ModelParams.additive(2.0))
    zero, nz = sol.branches
    assert not zero.stable and zero.F_hr0 == pytest.approx(4.0)
    # SCS: nonzero fixed points are unstable (<phi'^2> > 1 on the branch)
    assert not nz.stable and nz.F_hr0 > 1
    assert nz.q == pytest.approx(nz.delta_h)


@pytest.mark.parametrize("changes", [dict(alpha_z=7.0), dict(beta_z=-2.0), dict(tau_z=0.1),
                                     dict(tau_r=3.0), dict(I_z=0.5), dict(alpha_z=50.0, beta_z=3.0)])
def test_update_gate_does_not_enter(changes):
    base = ModelParams.gated(1.8, alpha_r=20.0, beta_r=0.3)
    a = sm.solve_static(base)
    b = sm.solve_static(base.replace(**changes))
    assert [x.delta_h for x in a.branches] == [x.delta_h for x in b.branches]
    assert [x.stable for x in a.branches] == [x.stable for x in b.branches]
    assert [x.F_hr0 for x in a.branches] == [x.F_hr0 for x in b.branches]


def test_branch_counts_small_and_large_alpha_r():
    # small alpha_r: the branch appears continuously at g_h = 1 + e^{beta_r} = 2
    assert _nonzero(sm.solve_static(ModelParams.gated(1.99, alpha_r=1.0))) == []
    d = _nonzero(sm.solve_static(ModelParams.gated(2.01, alpha_r=1.0)))
    assert len(d) == 1 and 0 < d[0] < 0.05
    # large alpha_r: two nonzero branches below g = 2 (saddle-node), one above
    assert len(_nonzero(sm.solve_static(ModelParams.gated(1.8, alpha_r=20.0)))) == 2
    assert len(_nonzero(sm.solve_static(ModelParams.gated(2.2, alpha_r=20.0)))) == 1
    assert _nonzero(sm.solve_static(ModelParams.gated(1.5, alpha_r=20.0))) == []


def test_saddle_node_located_to_1e_6():
    p = ModelParams.gated(1.0, alpha_r=20.0)
    (sn,) = sm.saddle_nodes(p, 1.0, 2.5, n_grid=16)
    assert sn.bracket[1] - sn.bracket[0] < 1e-6
    below = sm.solve_static(p.replace(g_h=sn.g_h - 1e-6))
    above = sm.solve_static(p.replace(g_h=sn.g_h + 1e-6))
    assert len(below.nonzero) == 0 and len(above.nonzero) == 2
    # the two roots merge at the saddle: their gap closes like sqrt(g - g_sn)
    d1, d2 = _nonzero(above)
    assert d1 < sn.delta_h < d2 and d2 - d1 < 1e-2
    # and G'(D) = 0 there: the slopes of the two roots have opposite signs
    s1, s2 = (b.slope for b in above.nonzero)
    assert s1 * s2 < 0


def test_stability_margin_is_f_at_zero_and_bulk_edge_on_real_axis():
    """F(lambda) <= F(0) on Re lambda >= 0, so stable iff F(0) < 1 (checked on a grid)."""
    gen = load("gated")
    avg = functools.partial(independent_average, tol=1e-10)
    for p in (ModelParams.gated(2.5, alpha_z=3.0, alpha_r=4.0, tau_r=0.5),
              ModelParams.gated(1.8, alpha_r=20.0, alpha_z=10.0, beta_z=1.0)):
        sol = sm.solve_static(p)
        kw = kwargs_for(gen.spectral_curve, p)
        x, y = np.meshgrid(np.linspace(0, 2, 21), np.linspace(-2, 2, 41))
        for b in sol.branches:
            v = b.variances
            F = gen.spectral_curve(v["D_h"], v["D_z"], v["D_r"], x, y, average=avg, **kw)[0]
            assert np.max(F) <= b.F_hr0 * (1 + 1e-9)
            # rightmost point of F >= 1 is on the real axis: F decreases with |Im lambda|
            assert np.all(np.diff(F[20:], axis=0) <= 1e-12)


def test_nonzero_inputs_and_bias_have_no_zero_branch():
    sol = sm.solve_static(ModelParams.gated(1.0, beta_h=0.3, I_h=0.1, I_r=0.2))
    assert not sol.zero_is_fixed_point
    assert [b.kind for b in sol.branches] == ["nonzero"] and sol.branches[0].stable


def test_grid_matches_pointwise():
    base = ModelParams.gated(1.0)
    g = np.array([1.5, 1.8, 2.2])[:, None]
    a = np.array([1.0, 20.0])[None, :]
    grid = sm.solve_static_grid(base, g_h=g, alpha_r=a)
    assert grid.delta_h.shape[:2] == (3, 2)
    for i in range(3):
        for j in range(2):
            pt = _nonzero(sm.solve_static(base.replace(g_h=float(g[i, 0]), alpha_r=float(a[0, j]))))
            assert grid.n_branches[i, j] == len(pt)
            assert np.allclose(grid.delta_h[i, j, :len(pt)], pt, rtol=1e-12, atol=0)


def test_static_map_and_errors():
    m, q = sm.static_map(ModelParams.gated(2.0), 0.0)
    assert m == 0 and q == 0
    with pytest.raises(ValueError, match="delta_h"):
        sm.static_map(ModelParams.gated(2.0), -1.0)
    with pytest.raises(ValueError, match="I_h must be a constant scalar"):
        sm.solve_static(ModelParams.gated(2.0, I_h=lambda t: 0.1))
    with pytest.raises(ValueError, match="I_r must be a constant scalar"):
        sm.solve_static(ModelParams.gated(2.0, I_r=np.ones(3)))
    with pytest.raises(ValueError, match="n_scan"):
        sm.solve_static(ModelParams.gated(2.0), n_scan=3)
    with pytest.raises(ValueError, match="g_min"):
        sm.saddle_nodes(ModelParams.gated(2.0), 2.0, 1.0)
    with pytest.raises(ValueError, match="alpha_r"):
        sm.solve_static_grid(ModelParams.gated(2.0), alpha_r=np.array([-1.0, 1.0]))


def test_convergence_error_carries_history():
    def never(x):
        return np.ones_like(x)  # no sign change: the bracket never closes
    with pytest.raises(ConvergenceError) as info:
        sm._illinois(never, np.array([0.0]), np.array([1.0]), np.array([-1.0]), np.array([1.0]),
                     1e-300, max_iter=5)
    assert len(info.value.residuals) == 5


def _mp_solution(p, d0):
    """Root of D = map_h(D, q(D), q(D)) with the generated mpmath code and mp.quad averages."""
    gen = load(p.model, "mpmath")
    kw = kwargs_for(gen.static_field_variances, p)
    bp = [gate_breakpoints(p.alpha_r, p.beta_r)] if p.is_gated else None

    def avg(f, variances):
        return independent_average_mp(f, variances, dps=25, breakpoints=bp if len(variances) == 1 and
                                      f.func.__name__.endswith("A_1") else None)

    with mpmath.workdps(25):
        def G(D):
            if not p.is_gated:
                return D - gen.static_field_variances(D, average=avg, **kw)
            q = gen.static_field_variances(D, D, D, average=avg, **kw)[1]
            return D - gen.static_field_variances(D, q, q, average=avg, **kw)[0]
        return float(mpmath.findroot(G, mpmath.mpf(d0), tol=mpmath.mpf(10) ** -22))


@pytest.mark.parametrize("p", [
    ModelParams.gated(1.8, alpha_r=20.0),
    ModelParams.gated(2.5, alpha_r=3.0, beta_r=0.5, beta_h=0.2, I_h=0.1, I_r=-0.3),
    ModelParams.additive(1.7),
])
def test_agrees_with_mpmath_to_1e_10(p):
    sol = sm.solve_static(p)
    for b in sol.nonzero:
        ref = _mp_solution(p, b.delta_h)
        assert abs(b.delta_h - ref) < 1e-10 * max(1.0, ref), (b.delta_h, ref)


def test_unique_fixed_point_of_networks_matches_delta_h():
    """CI size: the Newton fixed point's mean h*^2 over seeds vs D_h (tolerance: measured spread)."""
    from theory.validation.static import UNIQUE_PARAMS, network_fixed_points_data

    p = ModelParams.gated(**UNIQUE_PARAMS)
    d = network_fixed_points_data(p, 200, range(5), n_starts=1)
    (theory,) = d["theory"]
    assert d["delta"].size == 5  # one distinct fixed point per network
    se = d["delta"].std(ddof=1) / math.sqrt(d["delta"].size)
    assert abs(d["delta"].mean() - theory) < 3 * se
    assert np.all(d["max_real"] < 0) and sm.solve_static(p).branches[-1].stable


def test_no_nonzero_fixed_point_below_topological():
    from theory.validation.static import BELOW_PARAMS, network_fixed_points_data

    d = network_fixed_points_data(ModelParams.gated(**BELOW_PARAMS), 150, range(2), n_starts=3,
                                  eigenvalues=False)
    assert d["delta"].size == 0 and d["failed"] == 0 and d["theory"] == []


def test_root_on_a_scan_grid_point_is_found_once():
    from scipy.optimize import brentq

    d0 = float(sm.default_grid()[40])
    g = brentq(lambda g: float(sm.static_map(ModelParams.additive(g), d0)[0]) - d0, 1.01, 5.0,
               xtol=1e-15)
    sol = sm.solve_static(ModelParams.additive(g))
    assert len(sol.nonzero) == 1
    assert sol.nonzero[0].delta_h == pytest.approx(d0, rel=1e-9)
