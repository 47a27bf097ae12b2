"""Lyapunov spectrum: theory.lyapunov vs jitcode's jitcode_lyap and vs a scipy solve_ivp baseline.

All runs share the network (same seed, same couplings), the start state (the state after a
common, untimed state-only transient), the frame transient, the recorded window T (cut into
the same blocks for the standard errors) and the re-orthonormalisation interval. The peers
integrate adaptively with ``rtol = atol = TOL``; theory.lyapunov takes fixed RK4 steps with the
exact linearised step. Same tolerance: our step is the largest of ``DT_CANDIDATES`` whose
step-doubling estimate of the local error of state and frame, in the peers' own norm
(RMS of err / (atol + rtol |y|), accepted by RK45 when <= 1), stays below ``SAFETY`` = 0.5 over
``DT_PROBE_STEPS`` steps from the start (candidates tried largest first); that choice is
timed as part of our run. The library default dt = 0.05 (far more accurate than TOL needs) is
timed too and shown in the note. Exponents are compared exponent by exponent:
z_i = |a_i - b_i| / sqrt(se_a,i^2 + se_b,i^2) with block standard errors; the note says
whether max z < 3 (for k independent comparisons the chance of max z > 3 by fluctuation alone
is about k x 0.27 %, so a few percent for k = 10-20). Block standard errors ignore correlations
longer than a block, so they are somewhat optimistic.

Peers:

- jitcode (optional, ``pip install '.[bench]'``): the vector field is written symbolically with
  the network's own couplings as numbers (helpers for phi(h_j) and sigma_r(r_j) phi(h_j));
  jitcode derives the n x k tangent equations, generates C and compiles it with gcc. Its
  compile time is counted in the main row and also reported separately. A missing jitcode
  gives a skipped row with a note, never an error.
- scipy, the straightforward way: ``solve_ivp`` (RK45) on the state and the k tangent vectors,
  restarted at every re-orthonormalisation, with the Jacobian formed by forward differences at
  every right-hand-side evaluation (one batched call of the vector field on the n_fields N
  perturbed states, which is already kinder than a Python loop over columns). A second,
  stronger baseline (no target) replaces the Jacobian by k directional forward differences.

Ratio = our time / peer time; the target ``<= 0.1`` is "at least 10x faster".
"""

from __future__ import annotations

import math
import time

import numpy as np
from scipy.integrate import solve_ivp
from threadpoolctl import threadpool_limits

from theory import GatedNetwork, ModelParams
from theory.integrators import step_with_tangent
from theory.lyapunov import lyapunov_spectrum
from theory.simulation import integrate

from .registry import benchmark

TARGET = "<= 0.1"
TOL = 1e-6  # rtol = atol of the adaptive peers
DT = 0.05  # default RK4 step of theory.lyapunov (shown in the notes)
DT_CANDIDATES = (0.025, 0.05, 0.1, 0.125, 0.2, 0.25)  # all divide REORTHO and the windows
SAFETY, DT_PROBE_STEPS = 0.5, 20
REORTHO = 1.0
N_BLOCKS = 10
T_TRANSIENT = 50.0  # common untimed state-only transient

#: (N, k, frame transient, recorded T) per peer and mode; module-level so tests can shrink them.
JITCODE_FULL, JITCODE_QUICK = (50, 10, 20.0, 200.0), (8, 4, 5.0, 20.0)
SCIPY_FULL, SCIPY_QUICK = (200, 20, 10.0, 40.0), (30, 5, 5.0, 20.0)


def params() -> ModelParams:
    """A chaotic gated network (lambda_max about 0.04 at N = 50 and 0.15 at N = 200, seed 0).

    The quick sizes are too small to be chaotic (they settle on a fixed point or a cycle), so the
    quick rows only check that the comparison runs.
    """
    return ModelParams.gated(8.0, alpha_z=1.0, alpha_r=1.0)


def start_state(net: GatedNetwork) -> np.ndarray:
    """The common start: the network's initial state after an untimed transient T_TRANSIENT."""
    return integrate(net, net.initial_state(), T_TRANSIENT, DT, "rk4", progress=False)


def block_stats(interval_logs: np.ndarray, n_blocks: int, interval: float):
    """Mean exponents and block standard errors from per-interval log growth (n_int, k)."""
    blocks = interval_logs.reshape(n_blocks, -1, interval_logs.shape[1]).sum(axis=1)
    blocks /= interval * interval_logs.shape[0] / n_blocks
    return blocks.mean(axis=0), blocks.std(axis=0, ddof=1) / math.sqrt(n_blocks)


def agreement(a, se_a, b, se_b) -> float:
    """max_i |a_i - b_i| / sqrt(se_a,i^2 + se_b,i^2), both sets sorted in decreasing order."""
    ia, ib = np.argsort(a)[::-1], np.argsort(b)[::-1]  # compare in decreasing order
    a, se_a = np.asarray(a)[ia], np.asarray(se_a)[ia]
    b, se_b = np.asarray(b)[ib], np.asarray(se_b)[ib]
    return float(np.max(np.abs(a - b) / np.sqrt(se_a**2 + se_b**2)))


def _fmt(values) -> str:
    return "[" + ", ".join(f"{v:.3f}" for v in values) + "]"


# ---- ours ----------------------------------------------------------------------------------
def local_error_norm(net, y, frame, dt):
    """Step-doubling local error of one RK4 step (state and frame) in RK45's scaled RMS norm.

    Notes
    -----
    err = (Y_dt - Y_{dt/2, dt/2}) / (2^4 - 1) (Richardson estimate of the error of the two half
    steps), norm = sqrt(mean((err / (TOL + TOL |Y|))^2)). Returns (norm, Y_dt).
    """
    y1, f1 = step_with_tangent(net, 0.0, y, frame, dt)
    ya, fa = step_with_tangent(net, 0.0, y, frame, 0.5 * dt)
    yb, fb = step_with_tangent(net, 0.0, ya, fa, 0.5 * dt)
    err = np.concatenate([(y1 - yb).ravel(), (f1 - fb).ravel()]) / 15.0
    scale = TOL + TOL * np.abs(np.concatenate([yb.ravel(), fb.ravel()]))
    return float(np.sqrt(np.mean((err / scale) ** 2))), (y1, f1)


def matched_dt(net, y0, k) -> float:
    """The largest RK4 step in DT_CANDIDATES meeting the peers' tolerance with margin SAFETY."""
    rng = np.random.default_rng(np.random.SeedSequence([net.seed, 4]))
    frame0 = np.linalg.qr(rng.standard_normal((net.dim, k)))[0].reshape(net.n_fields, net.n, k)
    for dt in sorted(DT_CANDIDATES, reverse=True):  # largest first: usually one or two probes
        y, frame = y0, frame0
        for _ in range(DT_PROBE_STEPS):
            norm, (y, frame) = local_error_norm(net, y, frame, dt)
            if norm > SAFETY:
                break
            frame = frame / np.linalg.norm(frame.reshape(-1, k), axis=0)
        else:
            return dt
    return min(DT_CANDIDATES)


def run_ours(net, y0, k, t_frame, t_run, dt=None):
    """(seconds, exponents, stderr, dt); dt=None chooses it by matched_dt (timed)."""
    t0 = time.perf_counter()
    if dt is None:
        dt = matched_dt(net, y0, k)
    res = lyapunov_spectrum(net, k, dt=dt, method="rk4", t_transient=0.0, t_frame_transient=t_frame,
                            t_run=t_run, reortho_interval=REORTHO, n_blocks=N_BLOCKS, y0=y0,
                            progress=False)
    return time.perf_counter() - t0, res.exponents, res.stderr, dt


# ---- jitcode -------------------------------------------------------------------------------
def jitcode_available() -> bool:
    try:
        import jitcode  # noqa: F401
    except ImportError:
        return False
    return True


def jitcode_field(net: GatedNetwork):
    """Symbolic vector field and helpers for jitcode, with the network's couplings as numbers.

    Notes
    -----
    dh_i/dt = s_z(z_i) (-h_i + sum_j Jh_ij s_r(r_j) phi(h_j)), dz_i/dt = (-z_i + sum_j Jz_ij phi(h_j)) / tau_z,
    dr_i/dt = (-r_i + sum_j Jr_ij phi(h_j)) / tau_r, sigma(x) = 1 / (1 + exp(-alpha x + beta)),
    phi(x) = tanh(g_h x + beta_h) (THEORY.md section 1; no inputs).
    """
    import symengine as se
    from jitcode import y

    p, n = net.params, net.n
    if net.n_fields != 3 or any(name in net._active_inputs for name in ("I_h", "I_z", "I_r")):
        raise ValueError("the jitcode peer is written for the gated model without inputs")
    h = [y(i) for i in range(n)]
    z = [y(n + i) for i in range(n)]
    r = [y(2 * n + i) for i in range(n)]
    ph = [se.Symbol(f"phi_{j}") for j in range(n)]
    sp = [se.Symbol(f"srphi_{j}") for j in range(n)]
    helpers = [(ph[j], se.tanh(p.g_h * h[j] + p.beta_h)) for j in range(n)]
    helpers += [(sp[j], ph[j] / (1 + se.exp(-p.alpha_r * r[j] + p.beta_r))) for j in range(n)]
    f = []
    for i in range(n):
        drive = -h[i] + sum(float(net.Jh[i, j]) * sp[j] for j in range(n))
        f.append(drive / (1 + se.exp(-p.alpha_z * z[i] + p.beta_z)))
    for J, tau, x in ((net.Jz, p.tau_z, z), (net.Jr, p.tau_r, r)):
        for i in range(n):
            f.append((-x[i] + sum(float(J[i, j]) * ph[j] for j in range(n))) / tau)
    return f, helpers


def run_jitcode(net, y0, k, t_frame, t_run):
    """(compile seconds, integrate seconds, exponents, stderr) with jitcode_lyap (RK45)."""
    import warnings

    from jitcode import jitcode_lyap

    t0 = time.perf_counter()
    f, helpers = jitcode_field(net)
    # simplify=False: jitcode skips SymPy simplification for large systems anyway; for tiny
    # ones it can take minutes.
    ode = jitcode_lyap(f, helpers=helpers, n_lyap=k, verbose=False, simplify=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # setuptools chatter while building the extension
        ode.compile_C()
    ode.set_integrator("RK45", atol=TOL, rtol=TOL)
    t1 = time.perf_counter()
    ode.set_initial_value(y0.ravel(), 0.0)
    n_frame, n_run = round(t_frame / REORTHO), round(t_run / REORTHO)
    logs = np.empty((n_run, k))
    for i in range(n_frame + n_run):
        _, local, _ = ode.integrate((i + 1) * REORTHO)  # local exponents of this interval
        if i >= n_frame:
            logs[i - n_frame] = local * REORTHO
    t2 = time.perf_counter()
    mean, se = block_stats(logs, N_BLOCKS, REORTHO)
    return t1 - t0, t2 - t1, mean, se


# ---- scipy solve_ivp + finite differences --------------------------------------------------
def run_scipy_fd(net, y0, k, t_frame, t_run, jacobian: str = "full"):
    """(seconds, exponents, stderr) with solve_ivp(RK45) and a finite-difference tangent.

    ``jacobian="full"``: the n_fields N x n_fields N Jacobian by forward differences at every
    right-hand side, then J @ Q. ``"directional"``: J q_i ~ (f(y + e q_i) - f(y)) / e for the k
    columns only.
    """
    shape, dim = y0.shape, y0.size
    sqrt_eps = math.sqrt(np.finfo(float).eps)

    def f_batch(states):  # states (dim, B) -> (dim, B)
        b = states.shape[1]
        return net.vector_field(0.0, states.reshape(shape + (b,))).reshape(dim, b)

    def rhs(_t, flat):
        y, q = flat[:dim], flat[dim:].reshape(dim, k)
        f0 = net.vector_field(0.0, y.reshape(shape)).ravel()
        if jacobian == "full":
            eps = sqrt_eps * np.maximum(1.0, np.abs(y))
            jac = (f_batch(y[:, None] + np.diag(eps)) - f0[:, None]) / eps
            dq = jac @ q
        else:
            eps = sqrt_eps * max(1.0, float(np.abs(y).max())) / np.linalg.norm(q, axis=0)
            dq = (f_batch(y[:, None] + q * eps) - f0[:, None]) / eps
        return np.concatenate([f0, dq.ravel()])

    rng = np.random.default_rng(np.random.SeedSequence([net.seed, 3]))
    q, _ = np.linalg.qr(rng.standard_normal((dim, k)))
    state = np.concatenate([y0.ravel(), q.ravel()])
    n_frame, n_run = round(t_frame / REORTHO), round(t_run / REORTHO)
    logs = np.empty((n_run, k))
    t0 = time.perf_counter()
    for i in range(n_frame + n_run):
        sol = solve_ivp(rhs, (i * REORTHO, (i + 1) * REORTHO), state, method="RK45", rtol=TOL, atol=TOL)
        if not sol.success:
            raise RuntimeError(f"solve_ivp failed: {sol.message}")
        state = sol.y[:, -1].copy()
        q, r = np.linalg.qr(state[dim:].reshape(dim, k))
        state[dim:] = q.ravel()
        if i >= n_frame:
            logs[i - n_frame] = np.log(np.abs(np.diagonal(r)))
    elapsed = time.perf_counter() - t0
    mean, se = block_stats(logs, N_BLOCKS, REORTHO)
    return elapsed, mean, se


# ---- rows ----------------------------------------------------------------------------------
def _size(n, k, t_frame, t_run):
    return f"N={n} (dim {3 * n}), k={k}, T={t_frame:g}+{t_run:g}"


def _ours_text(ours, default) -> str:
    return (f"ours RK4 dt={ours[3]:g} matched to the tolerance (step choice timed; the default "
            f"dt={default[3]:g} takes {default[0]:.2f} s, lambda_1 = {default[1][0]:.3f} +- {default[2][0]:.3f})")


QUICK_CAVEAT = ("quick size: not chaotic and too short for block error bars, so this agreement "
                "check means nothing here (run the full benchmark); ")


def _compare_note(ours, peer, name, quick=False):
    z = agreement(ours[1], ours[2], peer[1], peer[2])
    verdict = "agree (max z < 3)" if z < 3 else "**DISAGREE** (max z >= 3)"
    return ((QUICK_CAVEAT if quick else "")
            + f"exponents {verdict}, max z = {z:.2f}; ours {_fmt(ours[1])} +- {_fmt(ours[2])}; "
            f"{name} {_fmt(peer[1])} +- {_fmt(peer[2])}")


def skipped_row(size: str, why: str) -> dict:
    return {"size": size, "time": math.nan, "reference": math.nan, "ratio": math.nan, "target": TARGET,
            "note": why, "skipped": True}


def jitcode_rows(quick: bool) -> list[dict]:
    n, k, t_frame, t_run = JITCODE_QUICK if quick else JITCODE_FULL
    size = _size(n, k, t_frame, t_run)
    if not jitcode_available():
        return [skipped_row(size, "jitcode not installed: the optional peer is installed by "
                                  "`make bench` (pip install '.[bench]')")]
    net = GatedNetwork(params(), n, seed=0)
    y0 = start_state(net)
    ours = run_ours(net, y0, k, t_frame, t_run)
    default = run_ours(net, y0, k, t_frame, t_run, DT)
    t_ours = ours[0]
    t_comp, t_int, lam_j, se_j = run_jitcode(net, y0, k, t_frame, t_run)
    note = _compare_note(ours, (None, lam_j, se_j), "jitcode", quick)
    common = _ours_text(ours, default) + f"; jitcode_lyap RK45 rtol=atol={TOL:g}"
    return [
        {"size": size, "time": 1e3 * t_ours, "reference": 1e3 * (t_comp + t_int),
         "ratio": t_ours / (t_comp + t_int), "target": TARGET,
         "note": f"vs jitcode incl. compile ({t_comp:.1f} s compile + {t_int:.2f} s integrate); "
                 f"{common}; {note}"},
        {"size": size + ", no compile", "time": 1e3 * t_ours, "reference": 1e3 * t_int,
         "ratio": t_ours / t_int, "target": "",
         "note": "vs jitcode's integration alone (compile excluded; the same runs as the row above)"},
    ]


def scipy_rows(quick: bool) -> list[dict]:
    n, k, t_frame, t_run = SCIPY_QUICK if quick else SCIPY_FULL
    size = _size(n, k, t_frame, t_run)
    net = GatedNetwork(params(), n, seed=0)
    y0 = start_state(net)
    ours = run_ours(net, y0, k, t_frame, t_run)
    default = run_ours(net, y0, k, t_frame, t_run, DT)
    full = run_scipy_fd(net, y0, k, t_frame, t_run, "full")
    directional = run_scipy_fd(net, y0, k, t_frame, t_run, "directional")
    common = _ours_text(ours, default) + f"; solve_ivp RK45 rtol=atol={TOL:g}"
    return [
        {"size": size, "time": 1e3 * ours[0], "reference": 1e3 * full[0], "ratio": ours[0] / full[0],
         "target": TARGET,
         "note": f"vs solve_ivp + forward-difference Jacobian (batched) times Q; {common}; "
                 + _compare_note(ours, full, "scipy", quick)},
        {"size": size + ", directional FD", "time": 1e3 * ours[0], "reference": 1e3 * directional[0],
         "ratio": ours[0] / directional[0], "target": "",
         "note": "stronger baseline, no target: solve_ivp with k directional forward differences "
                 f"(no Jacobian formed); {common}; " + _compare_note(ours, directional, "scipy-dir", quick)},
    ]


@benchmark("lyapunov_peers")
def lyapunov_peers(quick: bool) -> list[dict]:
    """Lyapunov spectrum vs jitcode_lyap (compile counted) and vs solve_ivp + FD, one thread."""
    with threadpool_limits(limits=1):
        return jitcode_rows(quick) + scipy_rows(quick)
