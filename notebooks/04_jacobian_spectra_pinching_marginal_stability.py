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
# # Jacobian spectra: pinching and marginal stability
#
# **Question.** At a fixed point of a large gated network, where do the eigenvalues of the
# Jacobian lie? The theory (THEORY.md section 3) says: in the region $F(\lambda) \ge 1$ with
#
# $$F(\lambda) = \Big\langle \frac{\sigma_z^2}{|\lambda+\sigma_z|^2}\Big\rangle \langle\phi'^2\rangle
# \Big(\langle\sigma_r^2\rangle + \frac{\langle\phi^2\rangle\langle\sigma_r'^2\rangle}{|1+\tau_r\lambda|^2}\Big),$$
#
# plus $N$ eigenvalues at $-1/\tau_z$. As the update-gate slope $\alpha_z$ grows, units with small
# $\sigma_z$ pull eigenvalues toward $\lambda = 0$ (pinching); for a step-like gate a fraction
# $f_0$ of units freezes and gives $f_0 N$ zero eigenvalues, the rest obey
# $(1-f_0)F_{hr}(\lambda)/|1+\lambda|^2 = 1$, and a fixed point that is unstable with constant gates
# ($F_{hr}(0) > 1$) becomes marginally stable iff $(1-f_0)F_{hr}(0) < 1$.
#
# Theory: `theory.static_mft` (fixed-point variances) and `theory.spectral_curve` (built on the
# generated kernels). Simulation: Newton fixed points of finite networks
# (`theory.fixed_points`), one solve per network reused for every $\alpha_z$ (fixed points do
# not depend on the update gate). Size: `THEORY_SCALE` (`quick` in CI, or `full`).

# %%
import os
import platform
import time

import matplotlib.pyplot as plt
import numpy as np
import scipy
from threadpoolctl import threadpool_limits

from theory import ModelParams
from theory import spectral_curve as sc
from theory.static_mft import solve_static
from theory.validation import spectral as checks

threadpool_limits(1)
SCALE = os.environ.get("THEORY_SCALE", "quick")
N = {"quick": 400, "full": 1000}[SCALE]
SEEDS = list(range({"quick": 2, "full": 4}[SCALE]))
START = time.perf_counter()

# %% [markdown]
# ## Theory: the bulk for several update gates
# $g_h = 2.5$, $\alpha_r = 1$ (other parameters at their defaults): the nonzero fixed-point branch
# has $F_{hr}(0) > 1$, so with any finite update gate its right edge is positive.

# %%
BASE = checks.BASE
branch = solve_static(BASE).nonzero[-1]
ALPHAS = (0.0, 5.0, 50.0)
THETA = 0.0  # hard-gate threshold beta_z / alpha_z
summary = {a: sc.spectral_summary(BASE.replace(alpha_z=a), branch, n_points=256) for a in ALPHAS[1:]}
ms = sc.marginal_stability(BASE, branch, THETA)
print(f"Delta_h = {branch.delta_h:.5f}, q = {branch.q:.5f}, F_hr(0) = {ms.F_hr0:.4f}")
for a in ALPHAS:
    p = BASE.replace(alpha_z=a)
    print(f"alpha_z = {a:5g}: right edge {sc.right_edge(p, branch):.3e}")
print(f"hard gate, theta_z = {THETA}: f0 = {ms.frozen_fraction:.3f}, (1 - f0) F_hr(0) = {ms.reduced_F0:.3f}, "
      f"reduced right edge {sc.right_edge(BASE, branch, frozen=True, theta_z=THETA):.4f}, "
      f"marginally stable: {ms.marginally_stable}")

# %% [markdown]
# ## Simulation: Newton fixed points and their spectra

# %%
states = {s: checks.fixed_point_state(BASE, N, s) for s in SEEDS}
SEEDS = [s for s in SEEDS if states[s] is not None]
eigs, residuals = {}, []
for a in ALPHAS:
    for s in SEEDS:
        ev, res = checks.eigenvalues_at(BASE.replace(alpha_z=a), N, s, states[s])
        eigs[a, s] = ev
        residuals.append(res)
step = BASE.replace(alpha_z=checks.ALPHA_STEP, beta_z=checks.ALPHA_STEP * THETA)
for s in SEEDS:
    eigs["step", s], _ = checks.eigenvalues_at(step, N, s, states[s])
# F at each fixed point's own variances (D_h, D_z, D_r): a finite network has many fixed points
# whose Delta_h scatter around the branch, and F depends on a fixed point only through them
own = {s: checks.own_variances(states[s]) for s in SEEDS}
inside = {a: np.mean([np.mean(sc.in_bulk(BASE.replace(alpha_z=a), own[s], eigs[a, s])) for s in SEEDS])
          for a in ALPHAS}
print("Delta_h of the fixed points:", [round(own[s][0], 4) for s in SEEDS], f"(branch {branch.delta_h:.4f})")
print(f"{len(SEEDS)} networks, N = {N}; max fixed-point residual over all alpha_z {max(residuals):.1e}")
print("fraction inside F >= 1:", {a: round(v, 4) for a, v in inside.items()})

# %% [markdown]
# ## Comparison: boundary over eigenvalues

# %%
fig, axes = plt.subplots(1, 4, figsize=(16, 4), sharey=True)
panels = [(a, BASE.replace(alpha_z=a), False) for a in ALPHAS] + [("step", BASE, True)]
for ax, (a, p, frozen) in zip(axes, panels):
    bd = sc.spectral_boundary(p, branch, n_points=512, frozen=frozen, theta_z=THETA if frozen else None)
    for s in SEEDS:
        ev = eigs[a, s]
        ax.plot(ev.real, ev.imag, ".", ms=2, alpha=0.6)
    for c in bd.curves:
        cc = np.r_[c, c[:1]]
        ax.plot(cc.real, cc.imag, "k-", lw=1.2)
    ax.set_title(f"alpha_z = {a:g}" if a != "step" else f"alpha_z = {checks.ALPHA_STEP:g} vs hard-gate curve")
    ax.set_xlabel(r"Re $\lambda$")
axes[0].set_ylabel(r"Im $\lambda$")
plt.show()

# %% [markdown]
# ## Pinching: eigenvalues near 0 vs $\alpha_z$
# Prediction (slow-unit approximation, `checks.slow_fraction`): the number of eigenvalues in
# $|\lambda| < \epsilon$ is $N\,P(\sigma_z(z^*) < \epsilon)$, $z^* \sim N(I_z, q)$, which tends to
# $f_0 N$ for a hard gate.

# %%
EPS = 0.05
PINCH_ALPHAS = (0.0, 2.0, 5.0, 10.0, 20.0, 50.0, 1000.0)
pinch = checks.pinching_data(BASE, PINCH_ALPHAS, N, SEEDS, EPS)
fig, ax = plt.subplots(figsize=(5, 3.5))
a_plot = np.maximum(pinch["alpha_z"], 0.5)
for row in pinch["counts"]:
    ax.plot(a_plot, row, "o", alpha=0.6)
ax.plot(a_plot, pinch["predicted"], "k-", label=r"$P(\sigma_z < \epsilon)$")
ax.axhline(ms.frozen_fraction, ls=":", color="gray", label="f0")
ax.set_xscale("log")
ax.set_xlabel(r"$\alpha_z$ (0 drawn at 0.5)")
ax.set_ylabel(rf"#$\{{|\lambda| < {EPS}\}}$ / N")
ax.legend()
plt.show()
pinch_err = np.abs(pinch["counts"].mean(axis=0) - pinch["predicted"])
print("predicted", np.round(pinch["predicted"], 4), "\nmeasured ", np.round(pinch["counts"].mean(axis=0), 4))

# %% [markdown]
# ## Near-step gate: zero modes and the reduced bulk

# %%
zero = {s: np.abs(eigs["step", s]) < checks.ZERO_TOL for s in SEEDS}
zero_frac = np.array([zero[s].sum() / N for s in SEEDS])
f0_net = np.array([np.mean(states[s][1] < THETA) for s in SEEDS])
max_re_nonzero = np.array([eigs["step", s][~zero[s]].real.max() for s in SEEDS])
max_re_constant = np.array([eigs[0.0, s].real.max() for s in SEEDS])
print(f"zero eigenvalues / N: {zero_frac} (own f0 of each network {f0_net}, theory f0 {ms.frozen_fraction:.3f})")
print(f"max Re: constant gates {max_re_constant}, near-step gates (nonzero eigenvalues) {max_re_nonzero}")

# %% [markdown]
# ## Density inside the support
# Hermitisation (`sc.hermitized_resolvent`): the self-consistent 4 x 4 per-unit resolvent gives
# $g(\lambda)$, and the fraction of eigenvalues in a disc is $\frac{1}{2\pi i}\oint g\,d\lambda$
# (`sc.disc_mass`), evaluated at each fixed point's own variances (as for the support above).
# Compared with the measured fraction in discs about $-1/2$, and the histogram of the real parts,
# which piles up near 0 as $\alpha_z$ grows.

# %%
RADII = np.array([0.1, 0.2, 0.3])
density = {}
for a in (0.0, 5.0):
    p = BASE.replace(alpha_z=a)
    pred = np.mean([sc.disc_mass(p, own[s], -0.5, RADII, n_nodes=checks.DENSITY_NODES, n_theta=32, tol=1e-7)
                    for s in SEEDS], axis=0)
    meas = np.array([[np.mean(np.abs(eigs[a, s] + 0.5) < r) for r in RADII] for s in SEEDS])
    density[a] = (pred, meas)
fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
for i, (a, (pred, meas)) in enumerate(density.items()):
    axes[0].plot(RADII, pred, "-", color=f"C{i}", label=f"theory, alpha_z = {a:g}")
    for row in meas:
        axes[0].plot(RADII, row, "o", color=f"C{i}", alpha=0.6)
axes[0].set_xlabel("R")
axes[0].set_ylabel(r"fraction in $|\lambda + 1/2| < R$")
axes[0].legend()
for a in ALPHAS:
    ev = np.concatenate([eigs[a, s] for s in SEEDS])
    axes[1].hist(ev.real, bins=80, histtype="step", density=True, label=f"alpha_z = {a:g}")
axes[1].set_xlabel(r"Re $\lambda$")
axes[1].legend()
plt.show()
for a, (pred, meas) in density.items():
    print(f"alpha_z = {a:g}: predicted {np.round(pred, 4)}, measured {np.round(meas.mean(axis=0), 4)}")

# %% [markdown]
# ## About

# %%
elapsed = time.perf_counter() - START
print(f"python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}; "
      f"scale {SCALE}, N {N}, seeds {SEEDS}; {elapsed:.1f} s")

# %% [markdown]
# ## Testing
# Tolerances come from measured errors:
# * fixed points are solved to round-off and stay fixed points for every update gate (residual < 1e-9);
# * eigenvalues inside $F \ge 1$: the 99% at N = 1000, scaled to smaller N as the
#   $N^{-1/2}$ width of the edge layer (the rule of the validation report): at least
#   $1 - 0.01\sqrt{1000/N}$ (98.4% at N = 400), with $F$ at each fixed point's own variances
#   (measured 99.4-99.9% at N = 400 over $\alpha_z$ = 0, 5, 50);
# * pinching counts within 4 binomial standard errors $\sqrt{P(1-P)/(N\,n_{seeds})}$ + 1/N, plus the
#   count of bulk eigenvalues that fall in the disc without coming from slow units, measured at
#   $\alpha_z = 0$ where $P = 0$ (the validation report uses the same term);
# * zero-mode count within 3 binomial standard errors of $f_0$ plus the transition band of
#   width $\approx 14/\alpha_z$ (units whose $\sigma_z$ is between 1e-6 and 1/2);
# * the criterion predicts marginal stability here ($(1-f_0)F_{hr}(0) < 1 < F_{hr}(0)$), so every
#   network unstable with constant gates must have only stable nonzero eigenvalues with a near-step gate;
# * disc fractions within 4 binomial standard errors of a fraction of the $2N n_{seeds}$ eigenvalues
#   + 1/N (measured errors at N = 400: <= 0.002 at $\alpha_z = 0$, <= 0.01 at $\alpha_z = 5$).

# %%
assert max(residuals) < 1e-9
assert min(inside.values()) >= 1 - 0.01 * np.sqrt(1000 / N), inside
se = np.sqrt(pinch["predicted"] * (1 - pinch["predicted"]) / (N * len(SEEDS)))
bulk_in_disc = pinch["counts"].mean(axis=0)[pinch["alpha_z"] == 0].max()
assert np.all(pinch_err < 4 * se + 1.0 / N + bulk_in_disc), (pinch_err, se, bulk_in_disc)
band = 2 * 14 / checks.ALPHA_STEP / np.sqrt(2 * np.pi * branch.q)
assert abs(zero_frac.mean() - ms.frozen_fraction) < 3 * np.sqrt(0.25 / (N * len(SEEDS))) + band + 1 / N
assert np.all(np.abs(zero_frac - f0_net) < band + 2 / N), (zero_frac, f0_net)
for pred, meas in density.values():  # binomial SE of a fraction of the 2N eigenvalues, 4 x
    assert np.all(np.abs(meas.mean(axis=0) - pred) < 4 * np.sqrt(pred * (1 - pred) / (2 * N * len(SEEDS))) + 1 / N)
assert ms.marginally_stable and ms.unstable_with_constant_gates
assert np.all(max_re_nonzero[max_re_constant > 0] < 0), (max_re_constant, max_re_nonzero)
