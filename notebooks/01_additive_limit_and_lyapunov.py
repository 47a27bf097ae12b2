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
# # The additive limit and the Lyapunov spectrum
#
# **Question.** The gated network of Krishnamurthy, Can & Schwab (arXiv:2007.14823) contains the
# classic additive random network of Sompolinsky, Crisanti & Sommers (SCS) as a limit. How exactly
# does a gated network with *constant* gates reduce to it, and does the workbench's Lyapunov
# machinery (QR method on the exact tangent map of the integrator, twin trajectories) respect that
# reduction to round-off? Then, for one chaotic network: what does its Lyapunov spectrum look like,
# do two independent estimates of $\lambda_{\max}$ agree, and below the transition
# ($g_h s_r < 1$) does $\lambda_{\max}$ equal the linear-stability prediction at the quiescent
# fixed point?
#
# Everything below calls the `theory` package; nothing is re-derived here. The notebook runs at the
# scale set by the environment variable `THEORY_SCALE` (`quick`, the default, used in CI, or
# `full`). The last section, **Testing**, holds the asserts; each tolerance there comes from a
# measured error (block standard errors or measured round-off), and the markdown explains which.

# %%
import os
import platform
import time

import matplotlib.pyplot as plt
import numpy as np
import scipy
from threadpoolctl import threadpool_limits

import theory
from theory import GatedNetwork, ModelParams
from theory.jacobian import jacobian
from theory.lyapunov import entropy_rate, kaplan_yorke_dimension, lambda_max_twin, lyapunov_spectrum

SCALE = os.environ.get("THEORY_SCALE", "quick")
if SCALE not in ("quick", "full"):
    raise ValueError(f"THEORY_SCALE must be 'quick' or 'full', got {SCALE!r}")

# Network sizes and run lengths.  quick: the whole notebook in well under a minute on 2 cores.
SIZES = {
    "quick": dict(n_identity=100, n_full_gated=20, n_chaos=200, k_chaos=200, t_chaos=200.0,
                  t_twin=1000.0, n_stable=200, n_eig_seeds=20),
    "full": dict(n_identity=400, n_full_gated=40, n_chaos=1000, k_chaos=500, t_chaos=400.0,
                 t_twin=2000.0, n_stable=1000, n_eig_seeds=10),
}[SCALE]
SEED = 5               # couplings and initial state of every network below
FRAME_SEED = 0         # the explicit initial tangent frame of section 2
EIG_SEEDS = list(range(100, 100 + SIZES["n_eig_seeds"]))  # ensemble for finite-N edge statistics

# BLAS threads: one by default. Measured while writing this notebook on a shared 2-core machine,
# multithreaded OpenBLAS made the N = 100 spectrum 16x slower and a 1000 x 500 QR 100x slower
# (DESIGN.md, pitfalls). Set THEORY_BLAS_THREADS to use more on a dedicated machine.
BLAS_THREADS = int(os.environ.get("THEORY_BLAS_THREADS", "1"))
threadpool_limits(BLAS_THREADS)

EPS = np.finfo(float).eps
T_START = time.perf_counter()
print(f"scale = {SCALE}: {SIZES}")


def rk4_factor(x):
    """Amplification factor of one RK4 step for dy/dt = mu y, x = mu dt (its stability polynomial)."""
    return 1 + x + x**2 / 2 + x**3 / 6 + x**4 / 24


# %% [markdown]
# ## 1. The model and its two exact limits
#
# Per unit (THEORY.md section 1), with $\phi(x) = \tanh(g_h x)$ and gates
# $\sigma_{z,r}(x) = 1/(1 + e^{-\alpha_{z,r} x + \beta_{z,r}})$:
#
# $$\dot h_i = \sigma_z(z_i)\Big(-h_i + \sum_j J^h_{ij}\,\sigma_r(r_j)\,\phi(h_j)\Big),\qquad
# \tau_z \dot z_i = -z_i + \sum_j J^z_{ij}\phi(h_j),\qquad
# \tau_r \dot r_i = -r_i + \sum_j J^r_{ij}\phi(h_j).$$
#
# * **Additive (SCS) limit**, `ModelParams.additive(g)`: $\sigma_z = \sigma_r = 1$, state $h$ only,
#   $\dot h = -h + J^h \tanh(g h)$. With $x = g h$ this is the classic $\dot x = -x + g J^h \tanh x$.
# * **Constant gates**, $\alpha_z = \alpha_r = 0$: the gates take the constant values
#   $s_z = \sigma_z(0)$, $s_r = \sigma_r(0)$ whatever $z, r$ do, so
#   $\dot h = s_z(-h + s_r J^h\tanh(g_h h))$: the additive network with couplings $s_r J^h$
#   (gain $g_h s_r$ in the $x = g_h h$ variable), run at speed $s_z$. With $\beta = 0$,
#   $s_z = s_r = 1/2$, and at $g_h = 4$ the substitution $h(t) = y(t/2)/2$ gives
#   $\dot h = \tfrac14\,\dot y(t/2) = \tfrac14(-y + J^h\tanh 2y) = \tfrac12(-h + \tfrac12 J^h \tanh 4h)$,
#   i.e. $y$ solves the **additive network at $g = 2$** with the *same* $J^h$. Every Lyapunov
#   exponent of the $h$-dynamics is therefore halved: $\lambda^{\rm gated}_j = \lambda^{\rm add}_j/2$.
#
# The $z, r$ variables are still there: they are driven by $h$ but feed nothing back, so they only
# add $2N$ exponents $-1/\tau_z$ and $-1/\tau_r$.
#
# Networks built with the same seed share $J^h$ (each coupling matrix has its own child of the
# seed), so the comparison below is between the *same* network in two parametrisations.

# %% [markdown]
# ## 2. The identity, checked to round-off
#
# Setup: the additive network at $g = 2$ with step $dt$, and the gated network at $g_h = 4$
# ($\tau_z = \tau_r = 0.2$) with step $2\,dt$; gated run lengths and re-orthonormalisation intervals
# are twice the additive ones, so step $n$ of one is step $n$ of the other. Initial states:
# $h(0) = y(0)/2$, $z = r = 0$. Initial tangent frames: the additive frame is a random orthonormal
# $N\times k$ matrix $Q_0$; the gated frame has $h$-part $Q_0$ and zero $z, r$ parts. No
# transients, so both runs start from exactly these frames.
#
# Because every rescaling involved is by a power of two, RK4 computes $h_{\rm gated} = y/2$
# **bit for bit**, not just to round-off.
#
# The exponents are a subtler matter. The QR method normalises each tangent vector with the
# Euclidean norm over *all* components. In the gated run a tangent vector acquires $z, r$
# components (slaved to its $h$ part: $\tau\,\delta\dot z = -\delta z + J^z\phi'\delta h$), and these
# count in the norm, while the additive run has no such components. With constant gates the
# tangent map is block-triangular ($\delta h$ evolves on its own), so the $h$-parts of the gated
# frame evolve exactly as the additive frame and span the same nested sequence (flag) of subspaces;
# only their normalisation differs. (The $h$-tangent map of one gated step of $2\,dt$ is the same
# matrix as the additive tangent map of one step of $dt$.) Writing $M$ for the product of these
# maps, $R_a$, $R_g$ for the products of the triangular factors of all the QR steps, and $U$ for the
# $h$-part of the final gated frame, $M Q_0 = Q_a R_a = U R_g$, hence $U^\top U = R^\top R$ with
# $R = R_a R_g^{-1}$ upper triangular. Taking the Cholesky factor of the leading $j\times j$ blocks:
#
# $$T_a\lambda^{\rm add}_j = T_g\lambda^{\rm gated}_j
#   + \tfrac12\Big[\log\det\big(U_{:,1..j}^\top U_{:,1..j}\big) - \log\det\big(U_{:,1..j-1}^\top U_{:,1..j-1}\big)\Big]
#   = T_g\lambda^{\rm gated}_j + \log|\rho_{jj}|,$$
#
# where $U = Q_U\,\rho$ is a QR factorisation of $U$ (the two forms are the same number). Since
# $T_g = 2T_a$, the uncorrected difference $2\lambda^{\rm gated}_j - \lambda^{\rm add}_j = -\log|\rho_{jj}|/T_a$
# is a bounded boundary term divided by $T_a$: it shrinks like $1/T$ and the two spectra agree in
# the limit, but at any finite $T$ the agreement to round-off needs the correction.
#
# The runs are continued segment by segment (passing the final state and frame on), so that the
# identity can be checked at $T_a = 25, 50, 100, 200, 400$ from one trajectory.

# %%
N_ID, K_ID = SIZES["n_identity"], 20
DT_A = 0.05
REORTHO_A = 1.0
SEGMENTS_A = [25.0, 25.0, 50.0, 100.0, 200.0]        # additive time; checkpoints at their cumsum

net_g = GatedNetwork(ModelParams.gated(4.0, tau_z=0.2, tau_r=0.2), N_ID, seed=SEED)
net_a = GatedNetwork(ModelParams.additive(2.0), N_ID, seed=SEED)
assert np.array_equal(net_g.Jh, net_a.Jh)

y_a = net_a.initial_state()
y_g = np.zeros((3, N_ID))
y_g[0] = y_a[0] / 2
Q0, _ = np.linalg.qr(np.random.default_rng(FRAME_SEED).standard_normal((N_ID, K_ID)))
frame_a = Q0[None].copy()
frame_g = np.zeros((3, N_ID, K_ID))
frame_g[0] = Q0


def continue_run(net, k, dt, t_run, reortho, state, frame, t0):
    """One segment of a QR run that starts exactly at (state, frame): no transients."""
    return lyapunov_spectrum(net, k, dt=dt, t_transient=0, t_frame_transient=0, t_run=t_run,
                             reortho_interval=reortho, n_blocks=5, y0=state, frame0=frame, t0=t0)


def flag_correction(U):
    """log |rho_jj| of U = Q rho, i.e. (1/2)[logdet(U_j^T U_j) - logdet(U_{j-1}^T U_{j-1})]."""
    return np.log(np.abs(np.diagonal(np.linalg.qr(U, mode="r"))))


checkpoints = []          # per checkpoint: T_a, lambda_add, lambda_gated, correction
sum_a = np.zeros(K_ID)    # running T * lambda
sum_g = np.zeros(K_ID)
T_a = 0.0
state_a, state_g, t_a, t_g = y_a, y_g, 0.0, 0.0
for seg in SEGMENTS_A:
    ra = continue_run(net_a, K_ID, DT_A, seg, REORTHO_A, state_a, frame_a, t_a)
    rg = continue_run(net_g, K_ID, 2 * DT_A, 2 * seg, 2 * REORTHO_A, state_g, frame_g, t_g)
    sum_a += seg * ra.exponents
    sum_g += 2 * seg * rg.exponents
    T_a += seg
    state_a, frame_a, t_a = ra.state, ra.frame, ra.t
    state_g, frame_g, t_g = rg.state, rg.frame, rg.t
    checkpoints.append(dict(T=T_a, lam_a=sum_a / T_a, lam_g=sum_g / (2 * T_a),
                            corr=flag_correction(frame_g[0]),
                            h_equal=bool(np.array_equal(state_g[0], state_a[0] / 2))))

print(" T_a   h_g == y_a/2   max|2 lam_g - lam_a|   max|identity residual| (per unit time)")
for c in checkpoints:
    resid = c["lam_a"] - 2 * c["lam_g"] - c["corr"] / c["T"]
    c["resid"] = resid
    print(f"{c['T']:5.0f}   {str(c['h_equal']):>10}   {np.abs(2 * c['lam_g'] - c['lam_a']).max():18.3e}"
          f"   {np.abs(resid).max():18.3e}")

# %% [markdown]
# **How big is round-off here?** In exact arithmetic the exponents over a window do not depend on
# *when* the frame is re-orthonormalised (the accumulated $R$ is the triangular factor of $MQ_0$
# whatever the schedule). So each run is repeated over the whole window in one go with
# re-orthonormalisation twice as often. The state trajectory is bit-for-bit the same, but the frame
# is rounded differently at every step: the spread between a run and its replica is a measured
# round-off floor of that run's exponents, with round-off injected all along the run just as in
# the gated-versus-additive comparison.

# %%
T_ID = sum(SEGMENTS_A)
ra_rep = lyapunov_spectrum(net_a, K_ID, dt=DT_A, t_transient=0, t_frame_transient=0, t_run=T_ID,
                           reortho_interval=REORTHO_A / 2, n_blocks=5, y0=y_a, frame0=Q0[None])
frame_g0 = np.zeros((3, N_ID, K_ID))
frame_g0[0] = Q0
rg_rep = lyapunov_spectrum(net_g, K_ID, dt=2 * DT_A, t_transient=0, t_frame_transient=0,
                           t_run=2 * T_ID, reortho_interval=REORTHO_A, n_blocks=5, y0=y_g,
                           frame0=frame_g0)
floor_a = np.abs(ra_rep.exponents - checkpoints[-1]["lam_a"])
floor_g = np.abs(2 * (rg_rep.exponents - checkpoints[-1]["lam_g"]))   # on the additive scale
roundoff_floor = max(floor_a.max(), floor_g.max())
identity_resid = np.abs(checkpoints[-1]["resid"])
print(f"round-off floor, additive: max_j |lam - lam(replica)|        = {floor_a.max():.2e}")
print(f"round-off floor, gated:    max_j 2 |lam - lam(replica)|      = {floor_g.max():.2e}")
print(f"identity residual at T_a = {T_ID:.0f}, max_j                   = {identity_resid.max():.2e}")
print(f"leading additive exponents  (T_a = {T_ID:.0f}): {np.round(checkpoints[-1]['lam_a'][:4], 4)}")
print(f"2 x leading gated exponents (T_g = {2 * T_ID:.0f}): {np.round(2 * checkpoints[-1]['lam_g'][:4], 4)}")

# %%
Ts = np.array([c["T"] for c in checkpoints])
raw = np.array([np.abs(2 * c["lam_g"] - c["lam_a"]) for c in checkpoints])   # (n_T, k)
res = np.array([np.abs(c["resid"]) for c in checkpoints])

fig, ax = plt.subplots(1, 2, figsize=(11, 4))
for j in range(4):
    ax[0].loglog(Ts, raw[:, j], "o-", label=f"$j = {j + 1}$")
ax[0].loglog(Ts, raw[0, :4].mean() * Ts[0] / Ts, "k--", label=r"$\propto 1/T$")
ax[0].set_xticks(Ts, [f"{t:g}" for t in Ts])
ax[0].minorticks_off()
ax[0].set_xlabel("$T_a$ (additive time units)")
ax[0].set_ylabel(r"$|2\lambda^{\rm gated}_j - \lambda^{\rm add}_j|$")
ax[0].set_title("uncorrected difference: a boundary term / T")
ax[0].legend(fontsize=8)
ax[1].semilogy(Ts, res.max(axis=1), "s-", label="max$_j$ |identity residual|")
ax[1].axhline(roundoff_floor, color="k", ls=":", label="measured round-off floor (T = 400)")
ax[1].axhline(EPS, color="gray", ls="--", label="machine epsilon")
ax[1].set_xlabel("$T_a$")
ax[1].set_ylabel("per unit time")
ax[1].set_title("with the flag correction: round-off")
ax[1].set_ylim(EPS / 4, 20 * roundoff_floor)
ax[1].legend(fontsize=8, loc="lower right")
fig.tight_layout()
plt.show()

# %% [markdown]
# ### The other $2N$ exponents of the gated network
#
# With constant gates the Jacobian is block lower-triangular: $\delta h$ evolves on its own, and
# $\delta z, \delta r$ obey $\tau\,\delta\dot z = -\delta z + (\text{drive from } \delta h)$. Its
# $(z, r)$ diagonal block is $-\mathbb{1}/\tau$, the same at every state, so the RK4 tangent map is
# block lower-triangular too, with $(z, r)$ diagonal block exactly $R(-dt/\tau)\,\mathbb{1}$,
# $R(x) = 1 + x + x^2/2 + x^3/6 + x^4/24$ (the stability polynomial of RK4). The exponents of a
# triangular product are those of its diagonal blocks: the $h$ block gives the halved additive
# spectrum and the $(z, r)$ block gives $2N$ exponents equal to $\log|R(-dt/\tau)|/dt$, which is
# $-1/\tau$ up to $O(dt^4)$. Below, the full spectrum
# ($k = 3N$) of a small gated network, next to half the additive spectrum of the same $J^h$.

# %%
N_FG = SIZES["n_full_gated"]
DT_G = 2 * DT_A
TAU = 0.2
net_fg = GatedNetwork(ModelParams.gated(4.0, tau_z=TAU, tau_r=TAU), N_FG, seed=SEED)
net_fa = GatedNetwork(ModelParams.additive(2.0), N_FG, seed=SEED)
r_fg = lyapunov_spectrum(net_fg, 3 * N_FG, dt=DT_G, t_transient=100, t_frame_transient=40,
                         t_run=400, reortho_interval=1.0, n_blocks=10)
r_fa = lyapunov_spectrum(net_fa, N_FG, dt=DT_A, t_transient=50, t_frame_transient=20,
                         t_run=200, reortho_interval=0.5, n_blocks=10)
lam_zr_map = np.log(abs(rk4_factor(-DT_G / TAU))) / DT_G
zr_dev = r_fg.exponents[N_FG:] - lam_zr_map
zr_se = r_fg.stderr[N_FG:]
print(f"log|R(-dt/tau)|/dt = {lam_zr_map:.10f}   (-1/tau = {-1 / TAU}, O(dt^4) gap "
      f"{lam_zr_map + 1 / TAU:.2e})")
print(f"last 2N gated exponents - log|R|/dt: max |.| = {np.abs(zr_dev).max():.2e}, "
      f"max block stderr = {zr_se.max():.2e}")

fig, ax = plt.subplots(figsize=(6, 4))
i = np.arange(1, 3 * N_FG + 1)
ax.errorbar(i, r_fg.exponents, yerr=r_fg.stderr, fmt="o", ms=3, label=r"gated $g_h = 4$, $k = 3N$")
ax.plot(np.arange(1, N_FG + 1), r_fa.exponents / 2, "x", color="C3", label="additive $g = 2$, halved")
ax.axhline(-1 / TAU, color="k", ls=":", label=r"$-1/\tau_z = -1/\tau_r$")
ax.set_xlabel("index $i$")
ax.set_ylabel(r"$\lambda_i$")
ax.set_title(f"full spectrum, N = {N_FG}")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 3. The Lyapunov spectrum of a chaotic network
#
# Additive network at $g = 2$ (equivalently: gated, constant gates, $g_h = 4$, with all exponents
# halved). Small networks at $g = 2$ are not always chaotic: at $N = 100$ some seeds settle on a
# limit cycle or a fixed point, which is why the Testing section asserts $\lambda_{\max} > 0$ for the
# seed used. Here $dt = 0.1$; the exponents are those of the RK4 map, which differ from the flow's by
# $O(dt^4)$.
#
# Two independent estimates of $\lambda_{\max}$: the first QR exponent, and a twin trajectory
# (a copy displaced by $d_0 = 10^{-8}$ and pulled back every time unit). Both carry block standard
# errors: the recorded window is cut into 10 equal blocks and the spread of the block values,
# divided by $\sqrt{10}$, is the error bar. That treats blocks as independent, which is fair when
# a block (20 or more time units) is much longer than the correlation time of the chaotic state
# (a few time units), and an underestimate otherwise.

# %%
N_CH, K_CH, T_CH, DT_CH = SIZES["n_chaos"], SIZES["k_chaos"], SIZES["t_chaos"], 0.1
net_ch = GatedNetwork(ModelParams.additive(2.0), N_CH, seed=SEED)
t0 = time.perf_counter()
r_ch = lyapunov_spectrum(net_ch, K_CH, dt=DT_CH, t_transient=50, t_frame_transient=20,
                         t_run=T_CH, reortho_interval=1.0, n_blocks=10)
t_qr = time.perf_counter() - t0
t0 = time.perf_counter()
tw = lambda_max_twin(net_ch, dt=DT_CH, t_transient=50, t_run=SIZES["t_twin"], n_blocks=10)
t_tw = time.perf_counter() - t0

d_ky = kaplan_yorke_dimension(r_ch.exponents)
h_ks = entropy_rate(r_ch.exponents)
lam_qr, se_qr = r_ch.lambda_max, r_ch.lambda_max_stderr
twin_diff = lam_qr - tw.lambda_max
twin_se = np.hypot(se_qr, tw.stderr)
print(f"N = {N_CH}, k = {K_CH}, QR window {T_CH:g} ({t_qr:.1f} s), twin window {SIZES['t_twin']:g} ({t_tw:.1f} s)")
print(f"lambda_max (QR)   = {lam_qr:.4f} +- {se_qr:.4f}")
print(f"lambda_max (twin) = {tw.lambda_max:.4f} +- {tw.stderr:.4f}")
print(f"difference        = {twin_diff:+.4f} = {twin_diff / twin_se:+.2f} combined standard errors")
print(f"Kaplan-Yorke dimension / N = {d_ky / N_CH:.4f}   (D_KY = {d_ky:.2f})")
print(f"entropy rate (sum of positive exponents) = {h_ks:.4f} per unit time")
print(f"positive exponents: {int((r_ch.exponents > 0).sum())}")

# %%
fig, ax = plt.subplots(1, 2, figsize=(11, 4))
x = np.arange(1, K_CH + 1) / N_CH
ax[0].errorbar(x, r_ch.exponents, yerr=r_ch.stderr, fmt=".", ms=3, elinewidth=0.6)
ax[0].axhline(0, color="k", lw=0.6)
ax[0].set_xlabel("$i/N$")
ax[0].set_ylabel(r"$\lambda_i$")
ax[0].set_title(f"additive $g = 2$, N = {N_CH}")
n_zoom = max(5, int(np.ceil(1.5 * d_ky))) if np.isfinite(d_ky) else K_CH // 5
ax[1].errorbar(x[:n_zoom], r_ch.exponents[:n_zoom], yerr=r_ch.stderr[:n_zoom], fmt="o", ms=3,
               label="QR spectrum")
ax[1].errorbar([x[0]], [tw.lambda_max], yerr=[tw.stderr], fmt="s", color="C3", ms=5,
               label=r"twin $\lambda_{\max}$")
ax[1].axhline(0, color="k", lw=0.6)
if np.isfinite(d_ky):
    ax[1].axvline(d_ky / N_CH, color="gray", ls="--", label="Kaplan-Yorke $D/N$")
ax[1].set_xlabel("$i/N$")
ax[1].set_title("leading exponents")
ax[1].legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 4. Below the transition: the quiescent state
#
# For $g_h s_r < 1$ the fixed point $h = z = r = 0$ is stable (THEORY.md section 2). Its Jacobian
# has eigenvalues $s_z(-1 + g_h s_r w)$, $w$ an eigenvalue of $J^h$, plus $-1/\tau_z$ and $-1/\tau_r$
# ($N$ each). A trajectory that converges to 0 has the Lyapunov exponents of that Jacobian, so its
# QR $\lambda_{\max}$ is $s_z(-1 + g_h s_r \max\mathrm{Re}\,w)$ for the flow and
# $\max_w \log|R(dt\,\mu_w)|/dt$ for the RK4 map (the difference is $O(dt^4)$ and is printed).
# For $N \to \infty$ the eigenvalues of $J^h$ fill the unit disk (circular law), and
# $\lambda_{\max} \to s_z(g_h s_r - 1)$. At finite $N$, $\max\mathrm{Re}\,w$ differs from 1 by an
# amount that fluctuates from network to network; its mean and spread are measured below over an
# ensemble of seeds.
#
# Cases: additive $g = 0.8$ ($s_z = s_r = 1$, $\lambda_\infty = -0.2$) and gated with constant gates,
# $g_h = 1.6$, $s_z = s_r = 1/2$, $\tau_z = \tau_r = 0.2$ ($\lambda_\infty = -0.1$), both with the same
# $J^h$. Two exponents are computed ($k = 2$) to show the leading pair. At finite $N$ the top few
# eigenvalues of $J^h$ are nearly degenerate (they are printed below), and one frame vector then
# wanders slowly within the span of their eigenvectors: the first QR exponent still converges to
# the largest real part, but its block values scatter, and that scatter is its error bar.

# %%
N_ST = SIZES["n_stable"]
DT_ST = 0.1
stable_cases = {
    "additive g = 0.8": (ModelParams.additive(0.8), 1.0, 1.0, 0.8, DT_ST),
    "gated g_h = 1.6": (ModelParams.gated(1.6, tau_z=TAU, tau_r=TAU), 0.5, 0.5, 1.6, 2 * DT_ST),
}


def top_real_parts(matrix, n=5):
    """The n largest real parts of the eigenvalues, and their round-off spread measured by
    repeating the computation on the transpose (same spectrum, differently rounded)."""
    a = np.sort(np.linalg.eigvals(matrix).real)[-n:]
    b = np.sort(np.linalg.eigvals(matrix.T).real)[-n:]
    return a, np.abs(a - b).max()


Jh_st = GatedNetwork(ModelParams.additive(1.0), N_ST, seed=SEED).Jh
w_top, w_roundoff = top_real_parts(Jh_st)
w_edge = w_top[-1]
jh_norm = np.linalg.norm(Jh_st, 2)
stable = {}
for name, (params, s_z, s_r, g_h, dt) in stable_cases.items():
    net = GatedNetwork(params, N_ST, seed=SEED)
    jac0 = jacobian(net, np.zeros((net.n_fields, N_ST)))
    mu = np.linalg.eigvals(jac0)
    _, jac_roundoff = top_real_parts(jac0)
    lam_flow = s_z * (-1 + g_h * s_r * w_edge)
    lam_map = np.log(np.abs(rk4_factor(dt * mu))).max() / dt
    scale_t = dt / DT_ST          # run the gated network twice as long, in its own time units
    r = lyapunov_spectrum(net, 2, dt=dt, t_transient=150 * scale_t, t_frame_transient=100 * scale_t,
                          t_run=400 * scale_t, reortho_interval=1.0 * scale_t, n_blocks=10)
    stable[name] = dict(net=net, mu=mu, s_z=s_z, s_r=s_r, g_h=g_h, lam_flow=lam_flow,
                        lam_map=lam_map, lam_inf=s_z * (g_h * s_r - 1), r=r,
                        jac_max_re=mu.real.max(), jac_roundoff=jac_roundoff)
    top = mu[np.argsort(-mu.real)[:3]]
    print(f"{name}: |final state| = {np.abs(r.state).max():.1e}; top Jacobian eigenvalues "
          f"{np.array2string(top, precision=4)}")
    print(f"   QR lambda_1, lambda_2         = {r.exponents[0]:.5f} +- {r.stderr[0]:.5f}, "
          f"{r.exponents[1]:.5f} +- {r.stderr[1]:.5f}")
    print(f"   map  max log|R(dt mu)|/dt     = {lam_map:.5f}")
    print(f"   flow s_z(-1 + g_h s_r max Re w) = {lam_flow:.5f}  (max Re eig of dense Jacobian "
          f"{mu.real.max():.5f}; map - flow = {lam_map - lam_flow:.1e})")
    print(f"   N -> infinity s_z(g_h s_r - 1)  = {s_z * (g_h * s_r - 1):.5f}")

edge_dev = np.array([np.linalg.eigvals(GatedNetwork(ModelParams.additive(1.0), N_ST, seed=s).Jh).real.max()
                     for s in EIG_SEEDS]) - 1.0
print(f"max Re eig(Jh) - 1 at N = {N_ST}: this network {w_edge - 1:+.4f}; "
      f"{len(EIG_SEEDS)} other seeds: mean {edge_dev.mean():+.4f}, std {edge_dev.std(ddof=1):.4f}")

# %%
fig, ax = plt.subplots(1, 2, figsize=(11, 4.5))
for a_, (name, c) in zip(ax, stable.items()):
    rad = c["s_z"] * c["g_h"] * c["s_r"]
    bulk = np.abs(c["mu"] + c["s_z"]) < 2 * rad      # leave out the gate eigenvalues at -1/tau
    a_.plot(c["mu"][bulk].real, c["mu"][bulk].imag, ".", ms=3, label="eig of Jacobian at 0")
    if not bulk.all():
        a_.text(0.02, 0.02, f"+ {int((~bulk).sum())} eigenvalues at "
                f"{np.median(c['mu'][~bulk].real):.3g} (gates), not shown",
                transform=a_.transAxes, fontsize=7)
    th = np.linspace(0, 2 * np.pi, 400)
    a_.plot(-c["s_z"] + rad * np.cos(th), rad * np.sin(th), "k-", lw=1,
            label=r"circle $-s_z + s_z g_h s_r\,e^{i\theta}$")
    a_.axvline(c["r"].exponents[0], color="C3", ls="--", label=r"QR $\lambda_{\max}$")
    a_.axvline(0, color="gray", lw=0.6)
    a_.set_aspect("equal")
    a_.set_xlabel(r"Re $\mu$")
    a_.set_ylabel(r"Im $\mu$")
    a_.set_title(f"{name}, N = {N_ST}")
    a_.legend(fontsize=7, loc="upper left")
fig.tight_layout()
plt.show()

# %% [markdown]
# With constant gates the gated bulk is the additive bulk scaled by $s_z = 1/2$ (same $J^h$); the
# $2N$ gate eigenvalues at $-1/\tau = -5$ lie far to the left. The red line (QR $\lambda_{\max}$ of a
# trajectory that has converged to 0) touches the rightmost eigenvalues.

# %% [markdown]
# ## About

# %%
runtime = time.perf_counter() - T_START
print(f"python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
      f"theory {theory.__version__}")
print(f"scale {SCALE}; network seed {SEED}, frame seed {FRAME_SEED}, edge-ensemble seeds "
      f"{EIG_SEEDS[0]}..{EIG_SEEDS[-1]}; BLAS threads {BLAS_THREADS}")
print(f"notebook compute time {runtime:.1f} s")

# %% [markdown]
# ## Testing
#
# Each assert states its tolerance and where it comes from.
#
# **(a) Exact state identity.** Tolerance zero: the gated and additive RK4 steps differ only by
# multiplications by powers of two, which are exact in binary floating point, so the final states
# must agree bit for bit ($h_{\rm gated} = y/2$ exactly) at every checkpoint.

# %%
assert all(c["h_equal"] for c in checkpoints)

# %% [markdown]
# **(b) The exponent identity with the flag correction.** The residual of the identity and the two
# replica spreads of section 2 are the same kind of quantity: the difference between two
# computations of one exact number that are rounded independently at every step. The tolerance is
# three times the larger of the two measured spreads (maximum over the $k$ exponents). While
# writing this notebook the ratio residual / larger spread was measured for 10 seeds at $N = 100$
# and for $N = 400$, with either schedule as the reference: it stayed between 0.1 and 1.7. The
# uncorrected difference is printed for contrast: it is many orders of magnitude larger and shrinks
# like $1/T$.

# %%
tol_identity = 3 * roundoff_floor
print(f"identity residual max {identity_resid.max():.2e} <= tol {tol_identity:.2e}  "
      f"(ratio to the floor {identity_resid.max() / roundoff_floor:.2f}; "
      f"uncorrected difference {raw[-1].max():.2e})")
assert identity_resid.max() <= tol_identity

# %% [markdown]
# **(c) The $z, r$ exponents.** They are compared with the exact discrete-map value
# $\log|R(-dt/\tau)|/dt$. Two error sources: (i) finite-time convergence of the frame, measured by
# the block standard error of each exponent (3 standard errors allowed); (ii) round-off bias: each
# step multiplies the $z, r$ components by $R$ through floating-point operations with
# relative error at most $u = \epsilon/2$ each (about twenty operations: four Jacobian applications,
# three stage arguments, the final combination), so if they all round the same way the exponent is
# biased by at most $10\,\epsilon/dt$ (the block spread cannot see a bias that is the same in
# every block; the measured deviation of a well-converged run is about $2\,\epsilon/dt$).

# %%
tol_zr = 3 * zr_se + 10 * EPS / DT_G
print(f"max |dev| = {np.abs(zr_dev).max():.2e}; max |dev| / tol = {(np.abs(zr_dev) / tol_zr).max():.2f}")
assert np.all(np.abs(zr_dev) <= tol_zr)

# %% [markdown]
# **(d) Chaos and the two estimates of $\lambda_{\max}$.** The premise: the network is chaotic,
# $\lambda_{\max}$ more than 3 standard errors above 0. Then QR and twin estimates, from different
# stretches of the same network's trajectory, must agree within 3 combined standard errors,
# $|\Delta| < 3\sqrt{se_{QR}^2 + se_{twin}^2}$; blocks are treated as independent (see section 3).
# A caveat measured while writing this notebook: over five seeds at the quick scale
# ($N = 200$), $\Delta$ in combined standard errors was $-0.9, -0.8, +1.4, +1.7, -2.1$ (rms 1.4), so
# the block errors may be somewhat too small (correlations between blocks); the 3-standard-error
# tolerance held for all five.
# The Kaplan-Yorke dimension must be finite, i.e. $k$ was large enough to close the sum.

# %%
print(f"lambda_max QR {lam_qr:.4f} +- {se_qr:.4f}; twin {tw.lambda_max:.4f} +- {tw.stderr:.4f}; "
      f"|diff| = {abs(twin_diff):.4f} vs 3 * combined se = {3 * twin_se:.4f}")
assert lam_qr > 3 * se_qr and tw.lambda_max > 3 * tw.stderr
assert abs(twin_diff) < 3 * twin_se
assert np.isfinite(d_ky) and 0 < d_ky < K_CH

# %% [markdown]
# **(e) Below threshold, this network.** The QR $\lambda_{\max}$ must equal the largest exponent of
# the RK4 map linearised at 0 within 3 block standard errors (the block spread measures how the
# frame vector wanders among nearly degenerate leading eigenvectors, section 4). The map-vs-flow difference
# ($O(dt^4)$, printed above) is not part of the tolerance because the comparison is with the map.
# The dense Jacobian's leading eigenvalue must also equal $s_z(-1 + g_h s_r \max\mathrm{Re}\,w)$
# (a check of `theory.jacobian`). Both sides come from LAPACK's nonsymmetric eigensolver; its
# round-off on the leading real parts is measured by solving the transposed matrix as well (same
# spectrum, different rounding). Tolerance: 3 times the sum of the two measured spreads (the $J^h$
# one scaled by $s_z g_h s_r$), plus one unit of round-off $\epsilon\|J\|_2$ in case a spread
# happens to come out exactly zero.

# %%
for name, c in stable.items():
    dev = c["r"].exponents[0] - c["lam_map"]
    tol = 3 * c["r"].stderr[0]
    print(f"{name}: QR - map = {dev:+.2e}, tol {tol:.2e}")
    assert abs(dev) < tol
    scale = c["s_z"] * c["g_h"] * c["s_r"]
    tol_eig = 3 * (c["jac_roundoff"] + scale * w_roundoff) + EPS * (c["s_z"] + scale * jh_norm)
    dev_eig = c["jac_max_re"] - c["lam_flow"]
    print(f"{name}: Jacobian max Re eig - s_z(-1 + g_h s_r max Re w) = {dev_eig:+.1e}, tol {tol_eig:.1e}")
    assert abs(dev_eig) <= tol_eig

# %% [markdown]
# **(f) Below threshold, versus $N \to \infty$.** The QR $\lambda_{\max}$ differs from
# $s_z(g_h s_r - 1)$ by $s_z g_h s_r(\max\mathrm{Re}\,w - 1)$ plus the QR error. The allowed
# deviation is built from the measured finite-$N$ statistics of $\max\mathrm{Re}\,w - 1$ over the
# seed ensemble (|mean| + 3 standard deviations), plus 3 block standard errors of the QR estimate.

# %%
for name, c in stable.items():
    dev = c["r"].exponents[0] - c["lam_inf"]
    tol = c["s_z"] * c["g_h"] * c["s_r"] * (abs(edge_dev.mean()) + 3 * edge_dev.std(ddof=1)) \
        + 3 * c["r"].stderr[0]
    print(f"{name}: QR - lambda_inf = {dev:+.4f}, tol {tol:.4f}")
    assert abs(dev) < tol
