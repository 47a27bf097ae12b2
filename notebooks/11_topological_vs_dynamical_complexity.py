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
# # Topological vs dynamical complexity
#
# **Question.** How many fixed points does a gated network have? The annealed topological
# complexity $\Sigma = \lim_N N^{-1} \log E[\#\text{fixed points}]$ (Kac-Rice) switches on together
# with chaos at $g = 1$ in additive networks (Wainrib & Touboul 2013). With a strong output gate
# ($\alpha_r = 20$, $\beta_r = 0$) THEORY.md section 6 says fixed points appear first (static
# saddle-node at $g_{\rm top} \approx 1.63$) and proliferate, chaos appears later (networks:
# $g_h \approx 1.8$ at $N = 300$, notebook 09), and the quiescent state stays stable up to
# $g_{\rm inst} = 2$. Where does the complexity turn positive, and do small networks agree?
#
# **Theory (lower bound; `theory.complexity`, derivation `derivations/complexity.py`).** Fixed
# points are the zeros of $G(\eta) = -\eta + \hat J s(x^*(\eta))$ in field space with Jacobian
# $M = -I + \hat J T$; for the gated model $|\det M| = |\det(-I + J^h([T_{hh}] + [T_{hr}] J^r
# [T_{rh}]))|$. Two approximations: the conditioning of $J$ on $G = 0$ (rank one) is neglected, and
# $E|\det M| \ge \exp E \log|\det M|$ (Jensen). Over empirical laws $\mu$ of the fields the
# entropy and the Gaussian density combine into $-{\rm KL}(\mu \,\|\, \prod_k N(0, Q_k(\mu))) \le 0$,
# which vanishes exactly on the static mean-field branches; there the exponent is the
# log-potential $\Phi = N^{-1} E\log|\det M|$ (hermitised resolvent at $\lambda = 0$, integrated
# in the regulator $\eta$). So
# $\Sigma_G = \max(0, \max_{\rm branches} \Phi) \le \Sigma$ (of the approximated formula). The
# supremum tilts $\mu$ by $\psi = \delta\Phi/\delta\mu = \tfrac12 \log\det(I + {\rm diag}(\mu_{se})
# T^T {\rm diag}(\nu_{se}) T)$ (hermitised saddle): iterating
# $\mu \propto \exp(-\sum_k \eta_k^2/2Q_k + \lambda_k s_k^2 + \psi)$ from each branch to a stationary
# point gives $\sigma \ge \Sigma_G$ (`tilted_complexity`; a local stationary point, same two
# approximations).
#
# **Measured.** $N^{-1}\log|\det M|$ of sampled matrices (numpy `slogdet`), and direct counts of
# distinct fixed points in networks of $N = 8 \dots 24$ by Newton from many random starts (error
# bars over networks). Newton misses fixed points (counts are lower bounds; a saturation record is
# shown), and $N \le 24$ is far from $N \to \infty$. Size knob: `THEORY_SCALE=quick` (default, CI)
# or `full`.

# %%
import math
import os
import platform
import time

import matplotlib.pyplot as plt
import numpy as np
import scipy
from threadpoolctl import threadpool_limits

import theory
from theory import ModelParams
from theory.complexity import complexity, complexity_curve, count_fixed_points, count_statistics, tilted_complexity
from theory.transitions import transitions
from theory.validation.complexity import log_det_data

SCALE = os.environ.get("THEORY_SCALE", "quick")
if SCALE not in ("quick", "full"):
    raise ValueError(f"THEORY_SCALE must be 'quick' or 'full', got {SCALE!r}")
SIZES = {
    "quick": dict(n_curve=6, n_add=9, ns=(8, 12, 16, 20), seeds=10, starts=300, n_matrix=600,
                  matrix_seeds=4),
    "full": dict(n_curve=21, n_add=31, ns=(8, 12, 16, 20, 24), seeds=40, starts=1000, n_matrix=2000,
                 matrix_seeds=8),
}[SCALE]
BLAS_THREADS = 1
CHAOS_ONSET_NETWORK = 1.8  # alpha_r = 20, beta_r = 0, N = 300: chaos jumps in here (notebook 09)
T_START = time.perf_counter()
_limits = threadpool_limits(BLAS_THREADS)

# %% [markdown]
# ## Theory: the Gaussian Kac-Rice bound vs $g_h$
#
# Additive model (top left) and the gated model at $\alpha_r \in \{0, 5, 20\}$, $\beta_r = 0$,
# with $g_{\rm top}$ (nonzero static branches appear), $g_{\rm inst} = 2$ (quiescent state
# unstable) and the chaos onset: the network-measured one at $\alpha_r = 20$ and
# `transitions(...).g_chaos` where the theory provides it (constant gates; for $\alpha_r > 0$ it is
# drawn only if the installed `theory` computes it).

# %%
g_add = np.linspace(0.6, 3.0, SIZES["n_add"])
sigma_add, tilt_add = complexity_curve(ModelParams.additive(1.0), g_add, tilted=True)
curves = {}
for alpha_r in (0.0, 5.0, 20.0):
    base = ModelParams.gated(2.0, alpha_r=alpha_r)
    tr = transitions(base)
    g_lo = tr.g_topological - 0.05
    g = np.unique(np.concatenate([np.linspace(g_lo, 3.2, SIZES["n_curve"]), [tr.g_topological + 0.005]]))
    sigma_g, sigma_t = complexity_curve(base, g, tilted=True)
    curves[alpha_r] = {"g": g, "sigma": sigma_g, "tr": tr, "g_tilt": g, "tilt": sigma_t}
    print(f"alpha_r={alpha_r:g}: g_top={tr.g_topological:.4f}, g_inst={tr.g_instability:.4f}, "
          f"g_chaos={tr.g_chaos}, Sigma_G={np.round(curves[alpha_r]['sigma'], 4).tolist()}, "
          f"sigma(tilted)={np.round(sigma_t, 4).tolist()}")

# %%
fig, axes = plt.subplots(2, 2, figsize=(10, 7))
ax = axes[0, 0]
ax.plot(g_add, sigma_add, "o-", label=r"$\Sigma_G$ (static branch)")
ax.plot(g_add, tilt_add, "s--", label=r"$\sigma$ (tilted law)")
ax.axvline(1.0, color="k", ls=":", label="g = 1 (instability = chaos)")
ax.set_title("additive")
ax.set_xlabel("g")
ax.set_ylabel(r"$\Sigma_G$")
ax.legend(fontsize=8)
for ax, alpha_r in zip(axes.ravel()[1:], (0.0, 5.0, 20.0)):
    c = curves[alpha_r]
    ax.plot(c["g"], c["sigma"], "o-", label=r"$\Sigma_G$ (Gaussian Kac-Rice bound)")
    ax.plot(c["g_tilt"], c["tilt"], "s--", label=r"$\sigma$ (tilted law)")
    ax.axvline(c["tr"].g_topological, color="C2", ls="--", label=r"$g_{\rm top}$")
    ax.axvline(c["tr"].g_instability, color="C3", ls=":", label=r"$g_{\rm inst}$")
    if c["tr"].g_chaos is not None:
        ax.axvline(c["tr"].g_chaos, color="C1", ls="-.", label=r"$g_{\rm chaos}$ (theory)")
    if alpha_r == 20.0:
        ax.axvline(CHAOS_ONSET_NETWORK, color="C1", ls="-", alpha=0.6, label="chaos onset (networks, N=300)")
    ax.set_title(rf"gated, $\alpha_r = {alpha_r:g}$, $\beta_r = 0$")
    ax.set_xlabel(r"$g_h$")
    ax.legend(fontsize=7)
fig.tight_layout()

# %% [markdown]
# At $\alpha_r = 20$ the bound jumps from 0 to a finite value at $g_{\rm top}$: both branches born
# in the saddle-node already have $F(0) > 1$ (their $\lambda = 0$ lies in the Jacobian bulk), so
# exponentially many fixed points appear at once, before chaos and while the quiescent state is
# still stable. With constant gates the curve is the additive one at gain $g_h/2$. The tilted law
# roughly doubles the exponent (e.g. additive $g = 2$: 0.0107 -> 0.0248).

# %% [markdown]
# ## Check 1: the log-potential against sampled matrices
#
# $\Phi$ at the largest static branch vs the mean of $N^{-1}\log|\det M|$ over sampled $M$ (fields
# drawn from the branch law), at $N$ and $N/2$; also at the tilted (non-Gaussian) law, whose $\Phi$
# comes from the saddle free energy. The drift between $N/2$ and $N$ measures the
# finite-size bias (it shrinks roughly like $1/N$).

# %%
ld = {label: log_det_data(p, SIZES["n_matrix"], range(SIZES["matrix_seeds"]), tilted=tilted)
      for label, p, tilted in (("additive g=3", ModelParams.additive(3.0), False),
                               ("gated a_r=20 g_h=2.5", ModelParams.gated(2.5, alpha_r=20.0), False),
                               ("gated a_r=20 g_h=2.5, tilted law", ModelParams.gated(2.5, alpha_r=20.0), True))}
for label, d in ld.items():
    print(f"{label}: Phi = {d['theory']:.5f}; sampled N={d['n']}: {d['mean']:.5f} +- {d['stderr']:.5f}, "
          f"N={d['n'] // 2}: {d['half_mean']:.5f}")

# %% [markdown]
# ## Check 2: fixed-point counts in small networks
#
# Distinct fixed points (the zero fixed point included) from `starts` Newton starts per network,
# mean and standard error over networks, for $N$ in `ns`. Dashed: $\propto e^{N \Sigma_G}$ through
# the first point.

# %%
cases = [("additive g=0.8", ModelParams.additive(0.8)), ("additive g=2", ModelParams.additive(2.0)),
         ("gated a_r=20 g_h=1.5", ModelParams.gated(1.5, alpha_r=20.0)),
         ("gated a_r=20 g_h=2.5", ModelParams.gated(2.5, alpha_r=20.0))]
if SCALE == "full":
    cases += [("additive g=1.2", ModelParams.additive(1.2)), ("additive g=1.5", ModelParams.additive(1.5)),
              ("gated a_r=20 g_h=1.8", ModelParams.gated(1.8, alpha_r=20.0)),
              ("gated a_r=20 g_h=2.2", ModelParams.gated(2.2, alpha_r=20.0))]
counts = {}
for label, p in cases:
    st = count_statistics(p, SIZES["ns"], range(SIZES["seeds"]), n_starts=SIZES["starts"])
    c = complexity(p, tilted=True)
    st["sigma_g"], st["sigma_t"] = c.sigma_gaussian, c.sigma
    counts[label] = st
    print(f"{label:22s} mean # {np.round(st['mean'], 2).tolist()} +- {np.round(st['stderr'], 2).tolist()}; "
          f"slope {st['slope']:.4f} +- {st['slope_stderr']:.4f}; Sigma_G {st['sigma_g']:.4f}; "
          f"sigma {st['sigma_t']:.4f}; "
          f"half-starts fraction {np.round(st['saturation'], 2).tolist()}")

# %%
fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4))
for i, (label, st) in enumerate(counts.items()):
    ax.errorbar(st["n"], st["mean"], st["stderr"], marker="o", capsize=3, color=f"C{i}", label=label)
    ax.plot(st["n"], st["mean"][0] * np.exp(st["sigma_g"] * (st["n"] - st["n"][0])), "--", color=f"C{i}")
    ax.plot(st["n"], st["mean"][0] * np.exp(st["sigma_t"] * (st["n"] - st["n"][0])), ":", color=f"C{i}")
ax.set_yscale("log")
ax.set_xlabel("N")
ax.set_ylabel("mean # fixed points")
ax.legend(fontsize=7)
# saturation: distinct points found vs number of starts, largest N, strongest case
sat = count_fixed_points(ModelParams.gated(2.5, alpha_r=20.0), SIZES["ns"][-1], 0, 4 * SIZES["starts"])
ax2.semilogx(sat.starts, sat.found_vs_starts, "o-")
ax2.set_xlabel("Newton starts")
ax2.set_ylabel("distinct fixed points found")
ax2.set_title(rf"saturation, gated $\alpha_r=20$, $g_h=2.5$, N={SIZES['ns'][-1]}")
fig.tight_layout()

# %% [markdown]
# **Reading the counts.** Additive $g = 0.8$: the zero fixed point is almost always alone (a rare
# network has a +-h pair more). Gated $g_h = 1.5 <
# g_{\rm top}$: small networks *do* have a few nonzero fixed points (mean count 2-3 at $N \le 20$)
# although the static theory has no nonzero branch there; whether they die out with $N$ cannot be
# told at these sizes (finite-$N$ limitation, not asserted). Above the transitions, counts grow with $N$, but at $N \le 24$ the
# growth rate mixes $\Sigma$ with prefactors (subexponential terms of order $\log N / N$ per unit)
# and the counts are lower bounds (Newton misses points, more so at larger $N$: the saturation
# panel keeps rising; at $\alpha_r = 20$, $g_h = 2.5$, $N = 24$, 16 networks: mean 10.3 with 300
# starts, 16.1 with 1500, slope 0.051 +- 0.010 vs 0.081 +- 0.011). Since $\Sigma_G$ is itself a lower bound, the finite-$N$ check is one-sided:
# the measured slope must not fall below $\Sigma_G$ by more than 3 standard errors. It cannot
# confirm the *value* of $\Sigma$; e.g. at additive $g = 1.5$ the bound is
# ${\approx}\,0.003$, far below what $N \le 24$ can resolve. The tilted $\sigma$ is consistent
# with the additive counts, but at $\alpha_r = 20$, $g_h = 2.5$ it is 0.125 while the counts grow
# at 0.05-0.08 per unit (N = 8..24, 300-1500 starts): either Newton misses most fixed points at
# $N \ge 16$ (the saturation record says it still finds new ones), or the prefactor bends the
# small-$N$ growth, or the neglected conditioning on $G = 0$ (or the Jensen step) matters for the
# steep gate. These sizes cannot separate the three; nothing is asserted about $\sigma$ vs counts.

# %% [markdown]
# ## About

# %%
runtime = time.perf_counter() - T_START
print(f"python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
      f"theory {theory.__version__}")
print(f"scale {SCALE}; network seeds 0..{SIZES['seeds'] - 1}, matrix seeds 0..{SIZES['matrix_seeds'] - 1}; "
      f"BLAS threads {BLAS_THREADS}")
print(f"notebook compute time {runtime:.1f} s")

# %% [markdown]
# ## Testing
#
# **(a) Additive onset.** $\Sigma_G = 0$ for $g \le 1$ and $> 0$ for $g > 1$, increasing.

# %%
assert np.all(sigma_add[g_add <= 1.0] == 0) and np.all(sigma_add[g_add > 1.0] > 0)
assert np.all(np.diff(sigma_add[g_add > 1.0]) > 0)

# %% [markdown]
# **(b) Constant gates.** $\alpha_r = \beta_r = 0$: $s_r = 1/2$ and the fixed points are those of
# the additive network at gain $g_h/2$, so $\Sigma_G(g_h) = \Sigma_G^{\rm add}(g_h/2)$; 1e-5 is the
# quadrature accuracy of the log-potential (tests/test_complexity.py compares grids).

# %%
c0 = curves[0.0]
for g, s in zip(c0["g"][::2], c0["sigma"][::2]):
    assert abs(s - complexity(ModelParams.additive(g / 2)).sigma_gaussian) < 1e-5

# %% [markdown]
# **(c) Strong output gate: topology before chaos.** $\Sigma_G = 0$ below $g_{\rm top}$, finite
# just above it (a jump, > 0.01), and $g_{\rm top}$ lies below the measured chaos onset and below
# $g_{\rm inst} = 2$.

# %%
c20 = curves[20.0]
t20 = c20["tr"]
assert np.all(c20["sigma"][c20["g"] < t20.g_topological] == 0)
assert c20["sigma"][np.argmin(np.abs(c20["g"] - (t20.g_topological + 0.005)))] > 0.01
assert t20.g_topological < CHAOS_ONSET_NETWORK < t20.g_instability

# %% [markdown]
# **(c2) Tilted law.** $\sigma \ge \Sigma_G$ wherever both are computed (the iteration starts at
# the branch; 1e-6: grid vs quadrature difference of the start value), and the
# constant-gate identity holds for $\sigma$ too (1e-6).

# %%
for c in curves.values():
    sg = np.interp(c["g_tilt"], c["g"], c["sigma"])
    assert np.all(c["tilt"] >= sg - 1e-6)
assert np.all(tilt_add >= sigma_add - 1e-6)
c0 = curves[0.0]
for g, s in zip(c0["g_tilt"], c0["tilt"]):
    assert abs(s - complexity(ModelParams.additive(g / 2), tilted=True).sigma) < 1e-6

# %% [markdown]
# **(d) Log-potential vs sampled matrices.** Tolerance: 3 standard errors over the sampled matrices
# plus the measured $N/2 \to N$ drift (finite-size bias).

# %%
for d in ld.values():
    assert abs(d["mean"] - d["theory"]) < 3 * d["stderr"] + d["drift"], d

# %% [markdown]
# **(e) Counts.** At finite $N$ an additive network at $g = 0.8$ occasionally has a few nonzero
# fixed points ($g\|J\|$ can exceed 1), so the check is a contrast: at the largest $N$ the mean
# count at $g = 2$ exceeds that at $g = 0.8$ by more than 3 combined standard errors. Above the
# transitions (additive $g = 2$, gated $g_h = 2.5$) the mean count at the largest $N$ exceeds 1 by
# more than 3 standard errors. One-sided growth check wherever $\Sigma_G > 0$:
# slope + 3 s.e. $\ge \Sigma_G$.

# %%
lo, hi = counts["additive g=0.8"], counts["additive g=2"]
assert hi["mean"][-1] - lo["mean"][-1] > 3 * math.hypot(hi["stderr"][-1], lo["stderr"][-1])
for label in ("additive g=2", "gated a_r=20 g_h=2.5"):
    st = counts[label]
    assert st["mean"][-1] - 1 > 3 * st["stderr"][-1], label
for label, st in counts.items():
    if st["sigma_g"] > 0:
        assert st["slope"] + 3 * st["slope_stderr"] >= st["sigma_g"], label
