"""A model defined only through the builder, end to end: static MFT and spectral curve vs a finite network.

The finite network is assembled from the generated per-unit kernels alone (vector field, sends,
Jacobian factors): no hand-written numeric code for the variant.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq
from threadpoolctl import threadpool_limits

from theory._generated import load
from theory.gaussian import independent_average as _independent_average


def independent_average(f, variances, batch_ndim=0):
    return _independent_average(f, variances, batch_ndim, tol=1e-9)

BASE = dict(g_h=0.9, alpha_z=3.0, beta_z=0.5, alpha_r=2.0, beta_r=-1.0, beta_h=0.4, tau_z=0.4, tau_r=0.7,
              I_h=0.3, I_z=0.1, I_r=0.2)


PARAMS = dict(BASE)


def _call(f, *args):
    out = f(*args, **{k: PARAMS[k] for k in f.parameters})
    return out if isinstance(out, tuple) else (out,)


def _fixed_point(gen, couplings, n, rng):
    x = [rng.standard_normal(n) * 0.1 for _ in gen.STATE]
    for _ in range(500):
        s = _call(gen.sends, *x)
        eta = [couplings[c] @ s_k for c, s_k in zip(gen.CHANNELS, s)]
        new = _call(gen.fixed_point_state, *eta)
        step = max(np.max(np.abs(a - b)) for a, b in zip(new, x))
        x = list(new)
        if step < 1e-13:
            break
    s = _call(gen.sends, *x)
    eta = [couplings[c] @ s_k for c, s_k in zip(gen.CHANNELS, s)]
    assert max(np.max(np.abs(v)) for v in _call(gen.vector_field, *x, *eta)) < 1e-11
    return x, eta


def _static_mft(gen):
    D = np.ones(len(gen.VARIANCES))
    f = gen.static_field_variances
    for _ in range(200):
        new = np.array(f(*D, average=independent_average, **{k: PARAMS[k] for k in f.parameters}))
        if np.max(np.abs(new - D)) < 1e-12:
            return new
        D = new
    raise AssertionError("static MFT did not converge")


def _dense_jacobian(gen, x, eta, couplings, n):
    factors = dict(zip(gen.JACOBIAN_FACTORS, _call(gen.jacobian_factors, *x, *eta)))
    nf = len(gen.STATE)
    jac = np.zeros((nf * n, nf * n))
    blk = lambda a, b: (slice(a * n, (a + 1) * n), slice(b * n, (b + 1) * n))  # noqa: E731
    for name, v in factors.items():
        kind, a, b = name.split("_")
        if kind == "L":
            jac[blk(gen.STATE.index(a), gen.STATE.index(b))] += np.diag(v)
        if kind == "A":
            for name_b, w in factors.items():
                kb, k2, b2 = name_b.split("_")
                if kb == "B" and k2 == b:
                    jac[blk(gen.STATE.index(a), gen.STATE.index(b2))] += v[:, None] * couplings[b] * w[None, :]
    return jac


@pytest.mark.parametrize("alpha_z", [0.0, 3.0])
@pytest.mark.parametrize("model", ["gated", "gated_postsynaptic"])
def test_variant_static_and_spectrum_match_finite_network(model, alpha_z, monkeypatch):
    """Static variances, the bulk edge (constant update gate: with alpha_z > 0 the poles at
    lambda = -s_z fill the real axis up to 0^-, so only complex eigenvalues are tested) and the
    support F(lambda) >= 1 agree with a finite network of the model."""
    monkeypatch.setitem(PARAMS, "alpha_z", alpha_z)
    gen = load(model, "numpy")
    n = 300
    rng = np.random.default_rng(12345)
    couplings = {c: rng.standard_normal((n, n)) / np.sqrt(n) for c in gen.CHANNELS}
    x, eta = _fixed_point(gen, couplings, n, rng)

    D = _static_mft(gen)
    empirical = np.array([np.mean(e**2) for e in eta])
    np.testing.assert_allclose(empirical, D, rtol=0.15)  # finite N: O(N^-1/2) fluctuations

    f = gen.spectral_curve
    kw = {k: PARAMS[k] for k in f.parameters}

    def F(re, im=0.0):
        return float(f(*D, re, im, average=independent_average, **kw)[0])

    with threadpool_limits(1):  # a dense eig on a loaded machine is far faster single-threaded
        eig = np.linalg.eigvals(_dense_jacobian(gen, x, eta, couplings, n))
    gate_cluster = np.isclose(eig, -1.0 / PARAMS["tau_z"], atol=1e-8)
    assert gate_cluster.sum() == n  # the dz column vanishes at a fixed point
    bulk = eig[~gate_cluster]
    if alpha_z == 0:
        lo = 3.0
        while F(lo) < 1:
            lo -= 0.05
            assert lo > -1.0, "no bulk edge found"
        edge = brentq(lambda l: F(l) - 1, lo, lo + 0.05, xtol=1e-10)
        assert np.max(bulk.real) == pytest.approx(edge, abs=0.06)
    # almost all eigenvalues lie where F >= 1 (inside the predicted support)
    bulk = bulk[np.abs(bulk.imag) > 0.03]
    assert bulk.size > 60
    sample = bulk[rng.choice(bulk.size, 60, replace=False)]
    F_sample = np.array(f(*D, sample.real, sample.imag, average=independent_average, **kw)[0])
    assert np.mean(F_sample >= 0.9) > 0.95
