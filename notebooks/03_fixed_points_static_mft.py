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
# # Fixed points and static mean-field theory
#
# **Question.** At a fixed point of a large gated network the fields are static Gaussians and
# $\Delta_h = \langle\phi^2\rangle_{\Delta_h}\,\langle\sigma_r^2\rangle_{q}$ with
# $q = \langle\phi^2\rangle_{\Delta_h}$ (THEORY.md section 2). Which branches of solutions exist as
# the gain $g_h$ grows, how do they appear — continuously at the instability of the quiescent
# state $g_h = 1 + e^{\beta_r}$ for a weak output gate, or through a saddle-node at
# $g_{FP} < 1 + e^{\beta_r}$ for a strong one — and do finite networks have fixed points with the
# predicted variance?
#
# Theory comes from `theory.static_mft` and `theory.transitions` (built on the generated
# equations); fixed points of finite networks from `theory.fixed_points` (damped Newton).
# Size: `THEORY_SCALE` (`quick` in CI, or `full`).

# %%
import math
import os
import platform

import matplotlib.pyplot as plt
import numpy as np
import scipy
from threadpoolctl import threadpool_limits

from theory import ModelParams, __version__
from theory.static_mft import solve_static, solve_static_grid
from theory.transitions import transitions
from theory.validation.static import network_fixed_points_data

SCALE = os.environ.get("THEORY_SCALE", "quick")
N = {"quick": 300, "full": 1000}[SCALE]
N_SEEDS = {"quick": 6, "full": 6}[SCALE]
SEED0 = 0
threadpool_limits(1)

# %% [markdown]
# ## Theory: branches vs $g_h$ for a weak and a strong output gate
# Solid: stable ($F_{hr}(0) < 1$, the bulk of the Jacobian spectrum stays in Re $\lambda < 0$);
# dashed: unstable. The zero branch is stable below $g_{\rm instability}$.

# %%
g = np.linspace(0.8, 3.5, {"quick": 120, "full": 300}[SCALE])
cases = {"alpha_r = 1 (weak gate)": 1.0, "alpha_r = 20 (strong gate)": 20.0}
curves, lines = {}, {}
for label, a in cases.items():
    base = ModelParams.gated(1.0, alpha_r=a)
    curves[label] = solve_static_grid(base, g_h=g)
    lines[label] = transitions(base, dmft_onset=False)  # static lines only (DMFT onset: notebook 09)
    print(label, lines[label].as_dict())

fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
for ax, (label, grid) in zip(axes, curves.items()):
    t = lines[label]
    for k in range(grid.delta_h.shape[1]):
        d = grid.delta_h[:, k]
        ax.plot(g, np.where(grid.stable[:, k], d, np.nan), "C0-", lw=2)
        ax.plot(g, np.where(~grid.stable[:, k], d, np.nan), "C3--", lw=1.2)
    ax.plot(g, np.where(g < t.g_instability, 0, np.nan), "C0-", lw=2, label="stable")
    ax.plot(g, np.where(g >= t.g_instability, 0, np.nan), "C3--", lw=1.2, label="unstable")
    ax.axvline(t.g_instability, color="k", ls=":", lw=1, label=f"$g_{{inst}}$ = {t.g_instability:.3f}")
    ax.axvline(t.g_topological, color="C2", ls="-.", lw=1, label=f"$g_{{top}}$ = {t.g_topological:.4f}")
    ax.set_title(label)
    ax.set_xlabel("$g_h$")
    ax.legend(fontsize=8)
axes[0].set_ylabel(r"$\Delta_h$")
plt.show()

# %% [markdown]
# For the strong gate the nonzero branches appear in pairs at $g_{FP}$ (a saddle-node: the root
# function $G(\Delta) = \Delta - m(\Delta)$ has a double root) while the quiescent state is still
# stable; the lower branch then shrinks to zero at $g_{\rm instability} = 2$. A small-$\Delta$
# expansion at $g_h = 2$, $\beta_r = 0$ gives $G(\Delta)/\Delta = (8 - \alpha_r^2)\Delta + O(\Delta^2)$,
# so the transition is continuous for $\alpha_r < 2\sqrt2$ and discontinuous above.

# %%
alphas = np.linspace(0.0, 20.0, {"quick": 11, "full": 41}[SCALE])
g_top = np.array([transitions(ModelParams.gated(1.0, alpha_r=a), dmft_onset=False).g_topological for a in alphas])
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.plot(alphas, g_top, "o-", label="$g_{top}$ (fixed points appear)")
ax.axhline(2.0, color="k", ls=":", label="$g_{inst} = 1 + e^{\\beta_r}$")
ax.axvline(2 * math.sqrt(2), color="C7", lw=0.8, label=r"$\alpha_r = 2\sqrt{2}$")
ax.set_xlabel(r"$\alpha_r$")
ax.set_ylabel("$g_h$")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Simulation: fixed points of finite networks
# Damped Newton (`find_fixed_points`) from random starts, one network per seed. Two regimes where
# Newton converges reliably:
#
# 1. a bias $\beta_h = 0.5$ with $\alpha_r = 2$: a unique, stable nonzero fixed point, at several $g_h$
#    (up to $g_h \approx 2.4$, where $F_{hr}(0)$ reaches 1; at $g_h = 2.5$ Newton finds few, scattered
#    fixed points);
# 2. constant gates ($\alpha_r = 0$, $g_{\rm top} = 2$): above $g_{\rm top}$ many unstable fixed points;
#    below it only $h = 0$.
#
# (With strong output gates, $\alpha_r \gtrsim 5$, damped Newton from random starts did not
# converge at N = 300, so the saddle-node regime is not checked against networks here.)

# %%
G_BIAS = [0.5, 1.0, 1.5, 2.0]  # F_hr(0) < 1: unique stable fixed point (at 2.5 it is lost)
bias = {}
for gh in G_BIAS:
    p = ModelParams.gated(gh, alpha_r=2.0, beta_h=0.5)
    bias[gh] = network_fixed_points_data(p, N, range(SEED0, SEED0 + N_SEEDS), n_starts=1)
above = network_fixed_points_data(ModelParams.gated(3.0), N, range(SEED0, SEED0 + N_SEEDS), n_starts=3,
                                  eigenvalues=False)
below = network_fixed_points_data(ModelParams.gated(1.5), N, range(SEED0, SEED0 + 2), n_starts=3,
                                  eigenvalues=False)

# %% [markdown]
# ## Comparison

# %%
g_fine = np.linspace(0.5, 3.0, 100)
theory_bias = solve_static_grid(ModelParams.gated(1.0, alpha_r=2.0, beta_h=0.5), g_h=g_fine)
fig, ax = plt.subplots(figsize=(5.5, 3.8))
ax.plot(g_fine, theory_bias.delta_h[:, 0], "C0-", label=r"theory, $\beta_h = 0.5$, $\alpha_r = 2$")
for gh, d in bias.items():
    ax.errorbar(gh, d["delta"].mean(), yerr=d["delta"].std(ddof=1), fmt="ko", ms=4)
    ax.plot(np.full(d["delta"].size, gh) + 0.03, d["delta"], "k.", ms=2, alpha=0.5)
const = solve_static_grid(ModelParams.gated(1.0), g_h=g_fine)
ax.plot(g_fine, const.delta_h[:, 0], "C3--", label=r"theory, constant gates (unstable)")
ax.errorbar(3.0, above["delta"].mean(), yerr=above["delta"].std(ddof=1), fmt="C3s", ms=5,
            label=f"networks N = {N} (mean, sd)")
ax.plot(1.5, 0.0, "C3x", ms=8, label="constant gates, g = 1.5: only h = 0")
ax.set_xlabel("$g_h$")
ax.set_ylabel(r"$\Delta_h$ = mean $h^{*2}$")
ax.legend(fontsize=7)
plt.show()

rows = []
for gh, d in bias.items():
    (th,) = d["theory"]
    se = d["delta"].std(ddof=1) / math.sqrt(d["delta"].size)
    rows.append((gh, th, d["delta"].mean(), se, bool(np.all(d["max_real"] < 0)),
                 solve_static(ModelParams.gated(gh, alpha_r=2.0, beta_h=0.5)).branches[-1].stable))
    print(f"g_h = {gh}: theory {th:.5f}, networks {d['delta'].mean():.5f} +- {se:.5f} (se), "
          f"all stable {rows[-1][4]}, theory stable {rows[-1][5]}")
(th_above,) = above["theory"]
per_net = np.array([np.mean(v) for v in above["per_seed"] if v])  # networks are the independent unit
se_above = per_net.std(ddof=1) / math.sqrt(per_net.size)
print(f"constant gates g_h = 3: theory {th_above:.5f}, networks {per_net.mean():.5f} +- "
      f"{se_above:.5f} ({above['delta'].size} fixed points in {per_net.size} networks); g_h = 1.5: "
      f"{below['delta'].size} nonzero, {below['failed']} failed starts")

# %% [markdown]
# ## About

# %%
print(f"theory {__version__}, python {platform.python_version()}, numpy {np.__version__}, "
      f"scipy {scipy.__version__}; N = {N}, seeds {SEED0}..{SEED0 + N_SEEDS - 1}, scale {SCALE}")

# %% [markdown]
# ## Testing
# Tolerances are measured: each seed-mean of the fixed-point variance must lie within 3 standard
# errors (network-to-network spread / sqrt(number of networks); with many fixed points per
# network, their per-network mean is the independent sample) of the mean-field value; the
# stability predicted by $F_{hr}(0) < 1$ must match the eigenvalues of every network's fixed
# point; below $g_{\rm top}$ every Newton start must converge to $h = 0$. The strong-gate
# saddle-node lies strictly below $1 + e^{\beta_r}$ and the weak-gate transition is continuous.

# %%
for gh, th, mean, se, stable_net, stable_th in rows:
    assert bias[gh]["delta"].size == N_SEEDS  # one fixed point found in every network
    assert abs(mean - th) < 3 * se, (gh, mean, th, se)
    assert stable_net == stable_th, gh
assert per_net.size >= 3 and abs(per_net.mean() - th_above) < 3 * se_above, (per_net, th_above, se_above)
assert below["delta"].size == 0 and below["failed"] == 0
weak, strong = lines["alpha_r = 1 (weak gate)"], lines["alpha_r = 20 (strong gate)"]
assert weak.g_topological == weak.g_instability and not weak.saddle_node
assert strong.saddle_node and strong.g_topological < strong.g_instability - 0.1
assert abs(weak.g_instability - 2.0) < 1e-12
