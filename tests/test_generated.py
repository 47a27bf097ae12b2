"""Generated kernels: numpy vs mpmath vs SymPy, shapes, pickling, and the simulated network."""

from __future__ import annotations

import pickle

import mpmath
import numpy as np
import pytest

from theory import GatedNetwork, ModelParams
from theory._generated import MODELS, load

RNG_SEED = 20240607


def _domain(name: str, rng, n: int, extreme: bool):
    """Random values for an argument, chosen by its name (extreme: |x| up to 30, alpha up to 100)."""
    if name.startswith("tau_"):
        return rng.uniform(0.2, 5.0, n)
    if name.startswith("D_"):
        return rng.uniform(0.05, 10.0, n)
    if name.startswith("alpha_"):
        return rng.uniform(0.0, 100.0 if extreme else 5.0, n)
    if name == "E_0":
        return rng.uniform(-2.0, 0.9, n)
    if name[:2] in ("A_", "B_"):
        return rng.uniform(0.05, 2.0, n)
    if name == "g_h":
        return rng.uniform(0.1, 10.0 if extreme else 3.0, n)
    width = 30.0 if extreme else 3.0
    return rng.uniform(-width, width, n)


def _kernels(module):
    for name in dir(module):
        f = getattr(module, name)
        if callable(f) and hasattr(f, "outputs") and hasattr(f, "variables"):
            yield name, f


def _mp_outputs(f, args, kwargs, dps=30):
    with mpmath.workdps(dps):
        out = f(*[mpmath.mpf(a) for a in args], **{k: mpmath.mpf(v) for k, v in kwargs.items()})
    return out if isinstance(out, tuple) else (out,)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("extreme", [False, True], ids=["random", "extreme"])
def test_numpy_matches_mpmath(model, extreme):
    """Every generated numpy kernel agrees with its mpmath twin to 1e-12 where well conditioned.

    The conditioning is measured, not assumed: the mpmath value is recomputed with all inputs
    perturbed by a relative 1e-15, and the tolerance is 1e-12 |f| + 100 |perturbation response|.
    """
    np_mod, mp_mod = load(model, "numpy"), load(model, "mpmath")
    rng = np.random.default_rng([RNG_SEED, MODELS.index(model), extreme])
    n = 12
    checked = 0
    for name, f in _kernels(np_mod):
        g = getattr(mp_mod, name)
        args = [_domain(v, rng, n, extreme) for v in f.variables]
        kwargs = {p: _domain(p, rng, n, extreme) for p in f.parameters}
        got = f(*args, **kwargs)
        got = got if isinstance(got, tuple) else (got,)
        assert len(got) == len(f.outputs)
        for i in range(n):
            a_i = [a[i] for a in args]
            k_i = {k: v[i] for k, v in kwargs.items()}
            ref = _mp_outputs(g, a_i, k_i)
            bumped = _mp_outputs(g, [x * (1 + 1e-15 * rng.standard_normal()) for x in a_i],
                                 {k: v * (1 + 1e-15 * rng.standard_normal()) for k, v in k_i.items()})
            for out_name, value, r, b in zip(f.outputs, got, ref, bumped):
                r, spread = float(r), abs(float(r - b))
                tol = 1e-12 * abs(r) + 100 * spread + 1e-300
                assert abs(value[i] - r) <= tol, (model, name, out_name, a_i, k_i, value[i], r)
        checked += 1
    assert checked >= 10


def _sympy_point(expr, values):
    import sympy as sp

    from derivations.functions import to_closed_form

    e = to_closed_form(expr)
    subs = {s: sp.Float(repr(values[s.name]), 40) for s in e.free_symbols}
    return complex(e.subs(subs).evalf(30))


@pytest.mark.parametrize("model_index", range(len(MODELS)))
def test_numpy_matches_sympy(model_index):
    """Generated numpy kernels agree with direct SymPy evaluation of the derived expressions."""
    pytest.importorskip("sympy")
    from derivations.build import derive_model
    from derivations.codegen import integrand_kernel
    from derivations.model import registered_models

    model = registered_models()[model_index]
    np_mod = load(model.name, "numpy")
    rng = np.random.default_rng([RNG_SEED, 7, model_index])
    kernels = []
    for sec in derive_model(model):
        kernels += sec.kernels
        for amap in sec.average_maps:
            kernels += [integrand_kernel(sec.key, a) for a in amap.averages] + [amap.combine]
    for k in kernels:
        f = getattr(np_mod, k.name)
        names = list(f.variables) + list(f.parameters)
        values = {nm: float(_domain(nm, rng, 1, extreme=bool(rng.integers(2)))[0]) for nm in names}
        got = f(*[values[v] for v in f.variables], **{p: values[p] for p in f.parameters})
        got = got if isinstance(got, tuple) else (got,)
        for (out_name, expr), value in zip(k.outputs, got):
            ref = _sympy_point(model.concrete(expr), values)
            assert ref.imag == 0
            assert value == pytest.approx(ref.real, rel=1e-11, abs=1e-290), (model.name, k.name, out_name, values)


def test_kernels_broadcast_cast_and_pickle():
    g = load("gated", "numpy")
    p = dict(g_h=2.0, alpha_r=1.0, beta_r=0.0, beta_h=0.0)
    s_h, s_z, s_r = g.sends(np.arange(3), 0, np.zeros((2, 1)), **p)  # integer input is cast to float
    assert s_h.shape == s_z.shape == (2, 3) and s_h.dtype == float
    out = g.static_combine(1.0, 2.0)
    assert all(np.shape(o) == () for o in out)
    # constant outputs are broadcast to the common shape
    L = g.jacobian_factors(np.zeros(4), 0.0, 0.0, 0.0, 0.0, 0.0, g_h=1.0, alpha_z=0.0, beta_z=0.0, alpha_r=0.0,
                           beta_r=0.0, beta_h=0.0, tau_z=2.0, tau_r=1.0, I_h=0.0)
    assert L[g.JACOBIAN_FACTORS.index("L_z_z")].shape == (4,)
    assert np.all(L[g.JACOBIAN_FACTORS.index("L_z_z")] == -0.5)
    f = pickle.loads(pickle.dumps(g.static_mft_integrand_A_0))
    assert f(0.3, g_h=1.0, beta_h=0.0, I_h=0.0) == pytest.approx(np.tanh(0.3) ** 2)


def test_stable_in_the_tails():
    """No overflow warnings (pytest turns RuntimeWarning into errors) and full relative accuracy."""
    g = load("gated", "numpy")
    x = np.array([-800.0, -40.0, 0.0, 40.0, 800.0])
    B = g.spectral_integrand_B_0(x, g_h=1.0, beta_h=0.0, I_h=0.0)  # phi'(x)^2 = sech^4
    with mpmath.workdps(30):
        ref = [float(mpmath.sech(v) ** 4) for v in x]
    np.testing.assert_allclose(B, ref, rtol=1e-12, atol=0)
    F = g.spectral_integrand_B_1(x, alpha_z=100.0, beta_z=0.0, I_z=0.0, lam_re=0.5, lam_im=0.1)
    assert np.all(np.isfinite(F))


def _network_state(net, rng):
    y = net.initial_state(scale=1.5)
    if net.params.is_gated:
        y[1:] = rng.standard_normal((2, net.n)) * 2.0
    return y


GATED_PARAMS = dict(g_h=2.5, alpha_z=3.0, beta_z=0.5, alpha_r=2.0, beta_r=-0.3, beta_h=0.2, tau_z=0.7,
                    tau_r=1.3, I_h=0.1, I_z=-0.2, I_r=0.3)


def _fields(gen, net, y):
    p = net.params
    names = gen.sends.parameters
    s = _call(gen.sends, *y, **{k: getattr(p, k) for k in names})
    couplings = {"h": net.Jh}
    if p.is_gated:
        couplings.update(z=net.Jz, r=net.Jr)
    return [couplings[c] @ s_k for c, s_k in zip(gen.CHANNELS, s)], couplings


def _kw(f, params):
    return {k: getattr(params, k) for k in f.parameters}


def _call(f, *args, **kwargs):
    """Kernel outputs as a tuple (single-output kernels return a bare array)."""
    out = f(*args, **kwargs)
    return out if isinstance(out, tuple) else (out,)


@pytest.mark.parametrize("model", ["gated", "additive"])
def test_vector_field_and_jacobian_match_network(model):
    rng = np.random.default_rng(3)
    params = ModelParams.gated(**GATED_PARAMS) if model == "gated" else ModelParams.additive(g_h=1.7, beta_h=0.1, I_h=0.2)
    net = GatedNetwork(params, 40, seed=5)
    gen = load(model, "numpy")
    y = _network_state(net, rng)
    eta, couplings = _fields(gen, net, y)
    v = np.array(_call(gen.vector_field, *y, *eta, **_kw(gen.vector_field, params)))
    np.testing.assert_allclose(v.reshape(y.shape), net.vector_field(0.0, y), rtol=1e-13, atol=1e-13)

    factors = dict(zip(gen.JACOBIAN_FACTORS, _call(gen.jacobian_factors, *y, *eta, **_kw(gen.jacobian_factors, params))))
    n, nf = net.n, len(gen.STATE)
    dense = np.zeros((nf * n, nf * n))
    for name, value in factors.items():
        kind, a, b = name.split("_")
        if kind != "L":
            continue
        i, j = gen.STATE.index(a), gen.STATE.index(b)
        dense[i * n:(i + 1) * n, j * n:(j + 1) * n] += np.diag(value)
    for name_a, value_a in factors.items():
        kind, a, k = name_a.split("_")
        if kind != "A":
            continue
        for name_b, value_b in factors.items():
            kind_b, k2, b = name_b.split("_")
            if kind_b != "B" or k2 != k:
                continue
            i, j = gen.STATE.index(a), gen.STATE.index(b)
            dense[i * n:(i + 1) * n, j * n:(j + 1) * n] += value_a[:, None] * couplings[k] * value_b[None, :]
    np.testing.assert_allclose(dense, net.linearize(0.0, y).dense(), rtol=1e-12, atol=1e-13)


def test_adjoint_and_parameter_gradients_match_network():
    """-dlambda/dt = J^T lambda from the generated adjoint terms; dL/dtheta density vs finite differences."""
    rng = np.random.default_rng(11)
    params = ModelParams.gated(**GATED_PARAMS)
    net = GatedNetwork(params, 30, seed=2)
    gen = load("gated", "numpy")
    y = _network_state(net, rng)
    lam = rng.standard_normal(y.shape)
    eta, couplings = _fields(gen, net, y)
    terms = dict(zip(gen.adjoint_terms.outputs, gen.adjoint_terms(*y, *eta, *lam, **_kw(gen.adjoint_terms, params))))
    nu = [couplings[c].T @ terms[f"mu_{c}"] for c in gen.CHANNELS]
    factors = dict(zip(gen.JACOBIAN_FACTORS, _call(gen.jacobian_factors, *y, *eta, **_kw(gen.jacobian_factors, params))))
    rhs = []
    for b in gen.STATE:
        total = terms[f"local_{b}"].copy()
        for k, nu_k in zip(gen.CHANNELS, nu):
            if f"B_{k}_{b}" in factors:
                total += factors[f"B_{k}_{b}"] * nu_k
        rhs.append(total)
    jT_lam = net.linearize(0.0, y).dense().T @ lam.ravel()
    np.testing.assert_allclose(np.concatenate(rhs), jT_lam, rtol=1e-11, atol=1e-12)

    density = gen.parameter_gradient_density(*y, *eta, *lam, *nu, **_kw(gen.parameter_gradient_density, params))
    for theta, dens in zip(gen.parameter_gradient_density.outputs, density):
        name = theta[2:]
        x0 = getattr(params, name)
        eps = 1e-6 * max(1.0, abs(x0))

        def objective(x):
            shifted = GatedNetwork(params.replace(**{name: x}), net.n, seed=net.seed)
            return float(np.sum(lam * shifted.vector_field(0.0, y)))

        fd = (objective(x0 + eps) - objective(x0 - eps)) / (2 * eps)
        assert dens.sum() == pytest.approx(fd, rel=1e-6, abs=1e-7), name


def test_spectral_curve_at_quiescent_fixed_point():
    """D = 0 (h = z = r = 0): F(lambda) = 1 on the circle |lambda + s_z| = s_z g_h s_r of THEORY.md."""
    from scipy.special import expit

    from theory.gaussian import independent_average

    gen = load("gated", "numpy")
    p = dict(g_h=3.0, alpha_z=2.0, beta_z=0.4, alpha_r=1.5, beta_r=-0.5, beta_h=0.0, tau_r=0.8, I_h=0.0, I_z=0.0, I_r=0.0)
    s_z, s_r = expit(-0.4), expit(0.5)
    theta = np.linspace(0, 2 * np.pi, 7)
    lam = -s_z + s_z * p["g_h"] * s_r * np.exp(1j * theta)
    F, *_ = gen.spectral_curve(0.0, 0.0, 0.0, lam.real, lam.imag, average=independent_average, **p)
    np.testing.assert_allclose(F, 1.0, rtol=1e-12)


def test_frozen_limit_matches_steep_gate():
    """alpha_z -> infinity: spectral_curve at alpha_z = 1e4 approaches spectral_curve_frozen."""
    from theory.gaussian import independent_average

    gen = load("gated", "numpy")
    p = dict(g_h=2.0, beta_z=0.0, alpha_r=1.0, beta_r=0.0, beta_h=0.0, tau_r=1.0, I_h=0.0, I_z=0.0, I_r=0.0)
    D = (0.8, 0.5, 0.5)
    lam_re, lam_im = np.array([0.3, -0.5]), np.array([0.2, 0.7])
    F_frozen, f0 = gen.spectral_curve_frozen(*D, lam_re, lam_im, average=independent_average, theta_z=0.0,
                                             **{k: p[k] for k in gen.spectral_curve_frozen.parameters if k in p})
    np.testing.assert_allclose(f0, 0.5)
    F_steep = gen.spectral_curve(*D, lam_re, lam_im, alpha_z=1e4, average=independent_average, **p)[0]
    np.testing.assert_allclose(F_steep, F_frozen, rtol=2e-3)


MFT_POINTS = [
    dict(g_h=1.5, alpha_z=1.0, beta_z=0.0, alpha_r=1.0, beta_r=0.0, beta_h=0.0, tau_r=1.0, I_h=0.0, I_z=0.0, I_r=0.0,
         D=(0.7, 0.4, 0.4), lam=(0.2, 0.3)),
    dict(g_h=6.0, alpha_z=100.0, beta_z=1.0, alpha_r=100.0, beta_r=2.0, beta_h=0.3, tau_r=0.5, I_h=0.1, I_z=-0.05,
         I_r=0.02, D=(9.0, 0.9, 0.9), lam=(-0.1, 0.5)),
    dict(g_h=3.0, alpha_z=20.0, beta_z=-1.0, alpha_r=30.0, beta_r=0.0, beta_h=0.0, tau_r=2.0, I_h=0.0, I_z=0.0, I_r=0.0,
         D=(25.0, 1.0, 1.0), lam=(0.05, 0.01)),
]


@pytest.mark.parametrize("point", range(len(MFT_POINTS)))
def test_mean_field_maps_numpy_vs_mpmath(point):
    """static_field_variances and spectral_curve: generated numpy + fast quadrature vs generated mpmath +
    mp.quad at 30 digits, to 1e-10 (steep gates alpha = 100, large variance, lambda near the origin)."""
    from theory import highprec as hp
    from theory.gaussian import independent_average

    p = dict(MFT_POINTS[point])
    D, lam = p.pop("D"), p.pop("lam")
    gates = [hp.gate_breakpoints(p["alpha_z"], p["beta_z"] + p["alpha_z"] * p["I_z"]),
             hp.gate_breakpoints(p["alpha_r"], p["beta_r"] + p["alpha_r"] * p["I_r"])]
    bps = sorted({b for g in gates for b in g} | {0.0})

    def average_mp(f, variances):
        return hp.independent_average_mp(f, variances, dps=30, breakpoints=[bps] * len(variances))

    def average_np(f, variances, batch_ndim):
        return independent_average(f, variances, batch_ndim, tol=1e-13)

    np_mod, mp_mod = load("gated", "numpy"), load("gated", "mpmath")
    for name, extra in (("static_field_variances", ()), ("spectral_curve", lam)):
        fn, fm = getattr(np_mod, name), getattr(mp_mod, name)
        kw = {k: p[k] for k in fn.parameters}
        fast = fn(*D, *extra, average=average_np, **kw)
        with mpmath.workdps(30):
            ref = fm(*D, *extra, average=average_mp, **kw)
        for a, b in zip(fast, ref):
            assert float(a) == pytest.approx(float(b), rel=1e-10), name


def test_energy_potential_terms_obey_price_theorem():
    """Phi' = f, and d/dC <Phi(h) Phi(h')>_C = <f(h) f(h')>_C (Price), so V(C) is the lag-equation potential."""
    from theory.gaussian import gaussian_two_point

    gen = load("gated", "numpy")
    p = dict(g_h=2.0, beta_z=0.3, beta_r=-0.5, beta_h=0.1)
    terms = gen.energy_potential_terms

    def part(name):
        i = terms.outputs.index(name)
        return lambda x: terms(x, **{k: p[k] for k in terms.parameters})[i]

    Phi, f = part("Phi"), part("f")
    x = np.linspace(-3, 3, 7)
    np.testing.assert_allclose((Phi(x + 1e-6) - Phi(x - 1e-6)) / 2e-6, f(x), rtol=1e-8, atol=1e-9)
    C0, C, dC = 1.3, 0.6, 1e-4
    Q = lambda c: gaussian_two_point(Phi, Phi, C0, C0, c, tol=1e-13)  # noqa: E731
    assert (Q(C + dC) - Q(C - dC)) / (2 * dC) == pytest.approx(gaussian_two_point(f, f, C0, C0, C, tol=1e-13), rel=1e-7)
    gamma2, weight = (terms(0.0, **{k: p[k] for k in terms.parameters})[terms.outputs.index(n)] for n in ("gamma2", "weight"))
    from scipy.special import expit

    assert gamma2 == pytest.approx(expit(-0.3) ** 2) and weight == pytest.approx(expit(-0.3) ** 2 * expit(0.5) ** 2)


def test_compile_model_matches_committed_module():
    pytest.importorskip("sympy")
    from derivations.build import compile_model
    from derivations.model import gated_model

    dyn, committed = compile_model(gated_model()), load("gated", "numpy")
    args = (0.3, -0.2, 0.5, 0.1, 0.2, -0.4)
    kw = dict(g_h=2.0, alpha_z=1.0, beta_z=0.2, alpha_r=3.0, beta_r=-0.1, beta_h=0.0, tau_z=0.5, tau_r=2.0, I_h=0.1)
    for a, b in zip(dyn.jacobian_factors(*args, **kw), committed.jacobian_factors(*args, **kw)):
        assert a == b


def test_kwargs_for_model_params():
    from theory._generated import kwargs_for

    g = load("gated", "numpy")
    p = ModelParams.gated(2.0, alpha_z=1.5)
    kw = kwargs_for(g.spectral_integrand_B_1, p, lam_re=0.1, lam_im=0.0)
    assert kw == dict(alpha_z=1.5, beta_z=0.0, I_z=0.0, lam_im=0.0, lam_re=0.1)
    with pytest.raises(ValueError, match="lam_"):
        kwargs_for(g.spectral_integrand_B_1, p)
    with pytest.raises(ValueError, match="unknown generated model"):
        load("nonexistent")


@pytest.mark.parametrize("model", ["gated", "gated_postsynaptic", "additive"])
def test_static_map_jacobian_matches_finite_differences(model):
    """Price's theorem Jacobian d map_k / d D_l vs central differences of the map itself."""
    from theory.gaussian import independent_average

    gen = load(model, "numpy")
    p = dict(g_h=2.5, alpha_z=1.0, beta_z=0.0, alpha_r=4.0, beta_r=0.5, beta_h=0.2, tau_z=1.0, tau_r=1.0,
             I_h=0.1, I_z=0.0, I_r=-0.1)

    def avg(f, variances, batch_ndim=0):
        return independent_average(f, variances, batch_ndim, tol=1e-13)

    def static_map(D):
        f = gen.static_field_variances
        return np.array(f(*D, average=avg, **{k: p[k] for k in f.parameters}))

    D = np.array([0.9, 0.6, 0.7][: len(gen.VARIANCES)])
    f = gen.static_map_jacobian
    jac = np.array(f(*D, average=avg, **{k: p[k] for k in f.parameters})).reshape(len(D), len(D))
    eps = 1e-5
    fd = np.column_stack([(static_map(D + eps * e) - static_map(D - eps * e)) / (2 * eps) for e in np.eye(len(D))])
    np.testing.assert_allclose(jac, fd, rtol=1e-6, atol=1e-8)


def test_coupling_gradients_are_outer_products():
    """d(lambda . F)/dJ^k_ij = mu_k,i s_k,j: generated mu_k and s_k vs finite differences in J."""
    rng = np.random.default_rng(4)
    params = ModelParams.gated(**GATED_PARAMS)
    net = GatedNetwork(params, 12, seed=9)
    gen = load("gated", "numpy")
    y = _network_state(net, rng)
    lam = rng.standard_normal(y.shape)
    eta, couplings = _fields(gen, net, y)
    mu = dict(zip(gen.adjoint_terms.outputs, gen.adjoint_terms(*y, *eta, *lam, **_kw(gen.adjoint_terms, params))))
    s = dict(zip(gen.CHANNELS, _call(gen.sends, *y, **_kw(gen.sends, params))))
    for k, (i, j) in (("h", (2, 5)), ("z", (0, 3)), ("r", (7, 7))):
        J = couplings[k]
        base = J[i, j]
        values = []
        for step in (1e-6, -1e-6):
            J[i, j] = base + step
            values.append(float(np.sum(lam * net.vector_field(0.0, y))))
        J[i, j] = base
        assert (values[0] - values[1]) / 2e-6 == pytest.approx(mu[f"mu_{k}"][i] * s[k][j], rel=1e-6, abs=1e-9)
