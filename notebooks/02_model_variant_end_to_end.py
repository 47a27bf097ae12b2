# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # A new gated model, end to end, from the builder alone
#
# **Question.** Can a theorist write down a *different* gated network — here the output gate acts
# *inside* the activation of the sending unit, $s_h = \phi(\sigma_r(r)\,h)$, instead of multiplying
# it — and get its static mean-field equations, its fixed-point Jacobian and its spectral curve
# $F(\lambda)$ without writing any numeric code? And does the derived curve match the eigenvalues
# of a finite network of that model?
#
# The model is entered once with `derivations.model.unit_model`; `derivations.build.compile_model`
# derives every equation and generates the numpy module in memory. Numeric work below only calls
# the generated functions and `theory.gaussian`. Size: `THEORY_SCALE` (`quick` in CI, or `full`).

# %%
import os
import platform

import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from IPython.display import Markdown, display
from threadpoolctl import threadpool_limits

from derivations.build import compile_model, derive_model
from derivations.display import latex
from derivations.model import (I_h, I_r, I_z, alpha_r, alpha_z, beta_h, beta_r, beta_z, field_symbol,
                               gated_model, h, phi, r, sigma_r, sigma_z, tau_r, tau_z, unit_model, z)
from theory.gaussian import independent_average

SCALE = os.environ.get("THEORY_SCALE", "quick")
N = {"quick": 300, "full": 1000}[SCALE]
SEED = 7

# %% [markdown]
# ## The model, written once
# Same drift as the project model; only what a unit sends on the $h$ channel changes.

# %%
base = gated_model()  # reuse its nonlinearities (phi = tanh(g_h x + beta_h), logistic gates)
eta_h, eta_z, eta_r = (field_symbol(k) for k in "hzr")
variant = unit_model(
    name="gate_inside_activation",
    description="output gate inside the sender's activation, s_h = phi(sigma_r(r) h)",
    state=(h, z, r),
    drift=(sigma_z(z) * (-h + eta_h + I_h), (-z + eta_z + I_z) / tau_z, (-r + eta_r + I_r) / tau_r),
    sends={"h": phi(sigma_r(r) * h), "z": phi(h), "r": phi(h)},
    nonlinearities=base.nonlinearities,
    parameters=base.parameters,
    update_gate=sigma_z,
)
sections = {s.key: s for s in derive_model(variant)}
for key in ("static_mft", "spectral"):
    for eq in sections[key].equations:
        if eq.label in ("D_h", "D_z", "F", "F explicit"):
            display(Markdown(f"**{eq.label}**: $${latex(eq.lhs)} = {latex(eq.rhs)}$$"))
gen = compile_model(variant)

# %% [markdown]
# ## Theory: static variances and the spectral curve
# The static map $D \mapsto \langle s_k(x^*)^2\rangle$ is iterated to its fixed point; the averages
# ($\langle\phi^2(\sigma_r(\eta_r)\eta_h)\rangle$ is two-dimensional) come from `theory.gaussian`.

# %%
P = dict(g_h=0.9, alpha_z=0.0, beta_z=0.5, alpha_r=2.0, beta_r=-1.0, beta_h=0.4, tau_z=0.4, tau_r=0.7,
         I_h=0.3, I_z=0.1, I_r=0.2)


def kw(f):
    return {k: P[k] for k in f.parameters}


def average(f, variances, batch_ndim=0):
    return independent_average(f, variances, batch_ndim, tol=1e-9)


D = np.ones(3)
for _ in range(200):
    D_new = np.array(gen.static_field_variances(*D, average=average, **kw(gen.static_field_variances)))
    if np.max(np.abs(D_new - D)) < 1e-12:
        break
    D = D_new
D = D_new


def F(lam):
    lam = np.asarray(lam, dtype=complex)
    return gen.spectral_curve(*D, lam.real, lam.imag, average=average, **kw(gen.spectral_curve))[0]


# %% [markdown]
# ## Simulation: a finite network of the variant
# Couplings iid $N(0, 1/N)$; the fixed point by iterating $x \leftarrow x^*(\eta(x))$ with the
# generated `sends` and `fixed_point_state`; the Jacobian from the generated per-unit factors.

# %%
def call(f, *args):
    out = f(*args, **kw(f))
    return out if isinstance(out, tuple) else (out,)


def finite_network(seed):
    """Fixed point, field variances, Jacobian eigenvalues of one network of the variant."""
    rng = np.random.default_rng(seed)
    J = {c: rng.standard_normal((N, N)) / np.sqrt(N) for c in gen.CHANNELS}
    x = [np.zeros(N) for _ in gen.STATE]
    for _ in range(1000):
        eta = [J[c] @ s for c, s in zip(gen.CHANNELS, call(gen.sends, *x))]
        x_new = call(gen.fixed_point_state, *eta)
        step = max(np.max(np.abs(a - b)) for a, b in zip(x_new, x))
        x = list(x_new)
        if step < 1e-13:
            break
    eta = [J[c] @ s for c, s in zip(gen.CHANNELS, call(gen.sends, *x))]
    residual = max(np.max(np.abs(v)) for v in call(gen.vector_field, *x, *eta))

    factors = dict(zip(gen.JACOBIAN_FACTORS, call(gen.jacobian_factors, *x, *eta)))
    jac = np.zeros((3 * N, 3 * N))
    idx = {s: slice(i * N, (i + 1) * N) for i, s in enumerate(gen.STATE)}
    for name, v in factors.items():
        kind, a, b = name.split("_")
        if kind == "L":
            jac[idx[a], idx[b]] += np.diag(v)
        if kind == "A":
            for name_b, w in factors.items():
                kind_b, k, c = name_b.split("_")
                if kind_b == "B" and k == b:
                    jac[idx[a], idx[c]] += v[:, None] * J[b] * w[None, :]
    with threadpool_limits(1):
        eig = np.linalg.eigvals(jac)
    bulk = eig[~np.isclose(eig, -1 / P["tau_z"], atol=1e-8)]
    return {"residual": residual, "D": np.array([np.mean(e**2) for e in eta]), "bulk": bulk,
            "edge": bulk.real.max()}


SEEDS = [SEED + k for k in range({"quick": 6, "full": 10}[SCALE])]
nets = [finite_network(s) for s in SEEDS]
bulk = nets[0]["bulk"]

# %% [markdown]
# ## Comparison

# %%
re, im = np.meshgrid(np.linspace(-1.2, 0.2, 141), np.linspace(-0.6, 0.6, 121))
F_grid = F(re + 1j * im)
fig, ax = plt.subplots(figsize=(5, 4))
ax.contour(re, im, F_grid, levels=[1.0], colors="C3")
ax.plot(bulk.real, bulk.imag, ".", ms=2, color="k", label=f"eigenvalues, N = {N}")
ax.set_xlabel(r"Re $\lambda$")
ax.set_ylabel(r"Im $\lambda$")
ax.set_title(r"variant: $F(\lambda) = 1$ (red) vs finite network")
ax.legend(loc="lower left")
plt.show()

edge_grid = np.linspace(-0.6, 0.2, 801)
F_axis = F(edge_grid)
edge = edge_grid[np.nonzero(F_axis >= 1)[0].max()]
inside = np.mean(F(bulk[np.abs(bulk.imag) > 0.03]) >= 0.9)
D_net = np.array([net["D"] for net in nets])
edges = np.array([net["edge"] for net in nets])
D_err = D_net.std(axis=0, ddof=1) / np.sqrt(len(nets))   # standard error of the seed mean
edge_sd = edges.std(ddof=1)                               # network-to-network spread of the edge
print(f"static D: theory {D}, networks (mean of {len(nets)} seeds) {D_net.mean(axis=0)} +- {D_err}")
print(f"right edge: theory {edge:.4f}, networks {edges.mean():.4f} (sd {edge_sd:.4f}); "
      f"fraction inside {inside:.3f}")

# %% [markdown]
# ## About

# %%
print(f"python {platform.python_version()}, numpy {np.__version__}, sympy {sp.__version__}, seeds {SEEDS}, N {N}")

# %% [markdown]
# ## Testing
# Tolerances are measured, not chosen: the seed-mean of the network field variances must lie
# within 4 standard errors of the mean-field value (standard error from the spread over the
# seeds), and each network's right edge within 3 network-to-network standard deviations of the
# predicted edge (the finite-N edge fluctuates by O(N^-1/2)). The fixed points are solved to
# round-off. Eigenvalues with |Im| > 0.03 must satisfy F >= 0.9 (inside or within the
# finite-N blur of the curve F = 1) for at least 95% of them.

# %%
assert max(net["residual"] for net in nets) < 1e-11
assert np.all(np.abs(D_net.mean(axis=0) - D) < 4 * D_err), (D_net.mean(axis=0), D, D_err)
assert np.all(np.abs(edges - edge) < 3 * edge_sd), (edges, edge, edge_sd)
assert inside > 0.95
