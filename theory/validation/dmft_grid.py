"""DMFT vs networks over the issue-5 gate grid (alpha_z in {0, 2, 10} x alpha_r in {0, 2}).

At g_h = 4, beta = 0 (so s_z = s_r = 1/2 and the constant-gate point is the additive network at
g_h s_r = 2, time stretched by 2: well inside the chaotic phase, lambda_max = 0.056 there, and
every gate point stays chaotic) each grid point compares

- C_h(tau) at a few lags and delta_h = C_h(0) of the DMFT (exact solvers for alpha_z = 0,
  sampling solver otherwise) with seeded networks at two N (6 seeds each): the network value is
  the mean over seeds of the time and population average (C_h(tau) over all N units; <h^2> every
  step for delta_h), its error the seed standard error; the DMFT error is the chain standard error
  (0 for the exact solvers). Tolerance: the 99% Student-t quantile (Welch-Satterthwaite degrees of
  freedom from n_seeds - 1 and n_chains - 1; ``t99``) x sqrt(seed SE^2 + DMFT SE^2) plus the
  measured finite-size change |value(largest N) - value(next N)| (the convention of
  :mod:`theory.validation.dmft_sampling`);
- lambda_max of the DMFT (Schroedinger ground state at constant gates, the two-replica
  output-gate DMFT at alpha_z = 0 < alpha_r (h, r Gaussian: :mod:`theory.dmft_output_gate`),
  sampled tangent DMFT otherwise) with the network QR lambda_max (k = 1) extrapolated to N -> infinity from >= 2 sizes
  by lambda_inf + a/N and lambda_inf + a/sqrt(N) (weighted fits over the seed means); tolerance
  3 x sqrt(extrapolation SE^2 + DMFT SE^2) + half the difference of the two laws (finite-size
  model error), as in :mod:`theory.validation.dmft`; with >= 3 sizes the row also fails when the
  chi^2 of both laws rejects them (p < 0.01): then the N dependence measured is no extrapolation.
  The error per N is the seed-to-seed (network-to-network) standard error: each seed is a new
  coupling matrix and trajectory, so it contains the quenched disorder and each run's
  time-sampling error. The full scale runs lambda_max in its own QR-only sweep (``lambda_task``:
  no correlation run, float32 tangent run, t_qr = 200) with 16 / 12 / 8 seeds at N = 500 / 1000
  / 2000, and a row needs >= 6 seeds at every N. How the counts were chosen: 8-seed pilots at
  (alpha_z, alpha_r) = (0, 0) and (2, 0) measured a seed standard deviation of 0.0075, 0.0063
  (N = 500), 0.0057, 0.0061 (N = 1000) and 0.0039, 0.0038 (N = 2000); a seed SE <= 0.002
  (``LAM_TARGET_SE``: about the tangent-DMFT error, 4% of lambda_max) needs ceil((s.d. /
  0.002)^2) = 15, 10, 4 seeds, rounded up to 16, 12 and, at N = 2000, the 8 of the pilot (a s.d.
  from fewer seeds is itself uncertain by > 25%). Cost: about 15 min of one core per grid point
  (59 min for four points on the loaded shared machine; 85 s per N = 2000 run). float32 check:
  the same 8 runs at (0, 0), N = 1000 in float64 give a seed mean 0.04813 against 0.04809
  (difference 4e-5, SE 0.0020; per seed within 3.1e-4). The seed s.d. is comparable with the
  single-run QR block error (about 0.006 at N = 500, 1000; 0.003-0.004 at N = 2000), so time
  sampling is a large part of it, but not all: the same coupling seeds give correlated lambda_max at alpha_z = 0 and 2 (Pearson
  r = 0.70, p = 0.003 over 16 seeds at N = 500; 0.63, p = 0.03 over 12 at N = 1000; -0.10 over 8
  at N = 2000, not resolved), i.e. a quenched network-to-network part that no block error sees.

Every network run (one seed at one N) and every DMFT solve is one point of a resumable sweep
(:mod:`theory.sweeps`); the full scale is run ahead of ``make reproduce SCALE=full`` with
``python -c "from theory.validation.dmft_grid import main; main()" --out reports/dmft_grid
--workers 2`` (``--only theory`` / ``--only networks`` / ``--only lambda`` run the DMFT, the C_h
network runs and the lambda_max runs in separate processes, ``--points``, ``--sizes``,
``--seeds a:b`` subsets; not ``python -m``: the module must be imported under its own name for
the sweep) and the check then reads the stored points (stored under ``reports/dmft_grid``; delete
the folder to recompute). The quick scale computes a subset in a temporary folder (C_h and
delta_h rows; its lambda-only runs at N = 200, 400 are for notebook 05, which prints them).

Measured lambda_max (full scale, lambda-only sweep, run 2026-12-01 04:15-05:20 UTC on the shared
2-core machine, one process, stored in /work/scratch/s4/lamgrid/grid; seeds 0-15 / 0-11 / 0-7 at
N = 500 / 1000 / 2000, dt 0.1, transients 100 + 40, QR window 200 in 10 blocks, float32 tangent
run; mean +- seed SE (seed s.d.)):

- (0, 0), exact DMFT 0.0562: N = 500 0.0448(23) (s.d. 0.0090), N = 1000 0.0482(15) (0.0052),
  N = 2000 0.0540(14) (0.0039); a/N: 0.0562(19), a/sqrt(N): 0.0631(36), chi^2 1.98 and 1.01
  (1 dof, p = 0.16, 0.32); extrapolation 0.0597 +- 0.0142 (+1.0 combined SE): passes.
- (2, 0), tangent DMFT 0.0530(22): N = 500 0.0380(19) (0.0077), N = 1000 0.0394(16) (0.0054),
  N = 2000 0.0459(13) (0.0038); a/N: 0.0473(18), a/sqrt(N): 0.0533(33), chi^2 4.07 and 2.81
  (p = 0.044, 0.094); extrapolation 0.0503 +- 0.0148 (-0.7 combined SE): passes.
- (0, 2), tangent DMFT (sampled) 0.1137(28): N = 500 0.1059(26) (0.0105), N = 1000 0.1118(27)
  (0.0092), N = 2000 0.1137(9) (0.0025); a/N: 0.1162(15), a/sqrt(N): 0.1211(31), chi^2 0.06 and
  0.21 (p = 0.80, 0.65); extrapolation 0.1186 +- 0.0150 (+1.2 combined SE): passes. The
  deterministic output-gate DMFT (``python -m theory dmft --g-h 4 --alpha-r 2``, alpha_z = 0)
  gives lambda_max 0.1185 and delta_h 0.1521 here, 1.7 chain SE above the sampled tangent DMFT
  (0.1137) this point used; the check now uses the deterministic solver at alpha_z = 0 (2.8 s),
  so its theory value is 0.1185 against the extrapolation 0.1186.
- (2, 2), tangent DMFT 0.1112(36): N = 500 0.0930(21) (0.0085), N = 1000 0.0992(15) (0.0054),
  N = 2000 0.1048(9) (0.0025); a/N: 0.1086(14), a/sqrt(N): 0.1167(27), chi^2 0.81 and 0.13
  (p = 0.37, 0.72); extrapolation 0.1126 +- 0.0177 (+0.3 combined SE): passes.
- With the output gate (alpha_r = 2) the seed s.d. at N = 500, 1000 is 0.005-0.010, so there
  the seed SE (0.0015-0.0027) is above the 0.002 target at some sizes; at N = 2000 it is 0.0009.
- The N = 1000 "dip" of last session (both laws rejected, chi^2 ~30) is not confirmed: with 12
  seeds the N = 1000 means lie between N = 500 and 2000. It was a sample of 3 networks that are
  low at both gate points (seeds 0-2 at N = 1000 give 0.0416, 0.0451, 0.0460 at (0, 0) and
  0.0258, 0.0340, 0.0377 at (2, 0) here, all below the 12-seed means: the quenched part above),
  judged with an error per N from 3 seeds or the block errors, far too small for it.
- The tolerance (0.014-0.018: a quarter of lambda_max at alpha_r = 0, 13-16% at alpha_r = 2) is
  dominated by the a/sqrt(N) intercept error (2-3 x the per-N seed SE, from the lever arm of
  N = 500-2000) and half the law difference (0.002-0.004): a DMFT off by less than that would
  not be detected at these sizes.

Measured C_h and delta_h (session 5, 2026-12-01, full-scale settings: 6 seeds at N = 1000 and
2000, transient 200, correlation window 200, dt 0.1, every unit; `main() --only networks`, about
25 min of one core for the four points below on the loaded machine; stored in
/work/scratch/s5/grid). DMFT vs N = 2000 population <h^2> (N = 1000 in brackets), all PASS:

- (0, 0) exact 0.1203: 0.1209(11) (0.1229(28)), +0.6 combined SE; C_h within 0.6 SE at every lag.
- (2, 0) sampling 0.1195(8): 0.1204(21) (0.1236(42)), +0.4 SE; C_h within 0.9 SE.
- (0, 2) output-gate DMFT 0.1521: 0.1516(12) (0.1514(15)), -0.4 SE; C_h within 1.5 SE.
- (2, 2) sampling 0.1539(6): 0.1534(18) (0.1535(35)), -0.3 SE; C_h within 2.5 SE (lag 20; the
  Student-t multiple there is 3.06).

The strong update gate (alpha_z = 10; DMFT at the fixed window W = 1280 and at W / 2 = 640, 6
chains x 64 paths, dt 0.2; networks from h ~ N(0, 0.4^2), transient 500, window 500; the DMFT
solves took 17 and 12 min, the 24 network runs about 35 min of one core), both PASS:

- (10, 2): DMFT delta_h 0.1696(16) (W / 2: 0.1698), tau_relax 78(11) (80): window-independent,
  the output gate keeps the dynamics fast. Networks 0.1701(23) (N = 1000: 0.1677(19)), +0.2 SE;
  C_h within 1.5 SE at every lag (C_h(40) / C_h(0): DMFT 0.55, networks 0.54-0.68).
- (10, 0): the slow point. DMFT delta_h 0.1234(15) (W / 2: 0.1261), tau_relax 474(35) (W / 2: 296):
  the correlation time follows the window. Networks 0.1264(9) (N = 1000: 0.1243(24)), +1.7 SE.
  C_h passes, but its shape is where the window shows: C_h(40) / C_h(0) is 0.903 (W = 640), 0.931
  (W = 1280) and 0.96-0.98 in every network, so the DMFT decays over the first 40 time units 3x
  (W = 640) and 2.3x (W = 1280) as much as the networks, moving toward them as W grows (lag-40
  deviation +3.5 SE against a tolerance of 3.3 SE + finite-size 0.0027 + window 0.0009). The
  tolerance's window term (the W / 2 -> W change) does not bound the W -> infinity error, which
  is not known here.
- lambda_max at alpha_z = 10 (QR-only, from h ~ N(0, 0.4^2), transient 300, window 200; 8 / 6
  seeds at N = 1000 / 2000): (10, 0) 0.0120(22) / 0.0156(22), extrapolated 0.0217 against the
  DMFT 0.0204(12) (W / 2: 0.0265); (10, 2) 0.0898(53) / 0.0986(33), extrapolated 0.1136 against
  0.1089(11) (W / 2: 0.1068). (10, 2) passes (tolerance 0.059); at (10, 0) two sizes with this
  seed spread give a tolerance of 0.037, above lambda_max itself, so the row fails as unresolved
  (a rate row needs its tolerance below |lambda_max|).
- Ageing at (10, 0): the networks' lambda_max falls with the time since the start, so there is
  no stationary value at the times reached. N = 1000, seeds 0-3 or 0-5, QR window 200
  (`/work/scratch/s5/qr_start.py`, `qr_age.py`): from h ~ N(0, 1), 0.023 (6 seeds, 0.015-0.033)
  after a transient of 300, 0.0071 (4 seeds, 0.004-0.010) after 1500 and 0.0039 (4 seeds,
  0.0003-0.0060) after 3000; from h ~ N(0, 0.4^2), 0.013 and 0.012 (0.004-0.027) after 300 and
  1500. At age 3000 seed 1 has QR blocks of 0.000-0.001: the networks drift toward marginal
  stability (lambda_max -> 0), and whether a chaotic stationary state exists there is open.
  The DMFT falls with its window the same way (0.0265 at W = 640, 0.0204 at 1280). Both sides
  describe a slowly ageing state here (the update gate's slow modes; the marginal regime of the
  theory), so the (10, 0) rows compare finite windows with finite ages. The adjoint check
  (theory/validation/adjoint_fluctuating.py) follows this point to an age of 3000 (24 networks):
  the gradient growth rate falls with age at N = 1000 (0.021 -> 0.008) and less at N = 2000
  (0.019 -> 0.011), both significant at 99%, so whether the N -> infinity state ages is open.

History of the (0, 2) failure (session 4: C_h(0) of the first 200 units 0.1492 against 0.1521,
-13.8 "seed SE"): two estimator faults, no theory error. (a) 200 of N units: <h_i^2> varies from
unit to unit with s.d. 0.05 (mean 0.15) at (0, 2), N = 1000, so a 200-unit mean carries a 0.0035
error per network; in three N = 1000 networks the first 200 units gave 0.1479, 0.1519, 0.1498
against 0.1469, 0.1491, 0.1538 for all units (`/work/scratch/s5/units.py`). (b) Three seeds: the
three subset means happened to agree within 0.0004, far below that 0.0035, and 3 x a 3-seed SE
is a ~90% interval, not 99.7%. Now every unit is recorded, six seeds per N, and the tolerance is
the Student-t multiple. The QR runs were also taken out of the correlation runs (the lambda_max
rows use the QR-only sweep), which halves their cost.

Earlier observations that still hold: one coupling realisation at N = 1000 (seed 0) sits in a
slow state (C_h(40) / C_h(0) = 0.88 at alpha_z = 2 and 0.50 at alpha_z = 0 with the same Jh: a
finite-N property of the couplings, not of the gate); the "4% lag-0 deficit" of session 2 at
alpha_z = 2 was the 200-unit subset and a high DMFT draw (five solves give 0.1194-0.1213); at
(0, 2) the sampled DMFT's chain error underestimated its solve-to-solve spread about 2x (chi^2 =
12 for 3 dof over four solves: the chains share their start and stopping iteration), which is
one reason that point now uses the deterministic output-gate DMFT.
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
from concurrent.futures import Executor, ThreadPoolExecutor
from pathlib import Path

import numpy as np
from scipy import stats
from scipy.interpolate import CubicSpline

from ..dmft import solve_dmft
from ..dmft_output_gate import solve_dmft_output_gate
from ..dmft_sampling import solve_dmft_sampling
from ..dmft_tangent_sampling import lambda_max_sampling
from ..lyapunov import lyapunov_spectrum
from ..network import GatedNetwork
from ..params import ModelParams
from ..sweeps import plan, run_sweep
from . import CheckResult, check
from .adjoint import _se, t99
from .adjoint_fluctuating import AZ10_DMFT
from .dmft import _extrapolate
from .dmft_sampling import network_correlation

G_H = 4.0
#: (alpha_z, alpha_r) points of issue 5.
GRID_POINTS = ((2.0, 0.0), (0.0, 0.0), (0.0, 2.0), (2.0, 2.0), (10.0, 0.0), (10.0, 2.0))
LAGS = (0.0, 2.0, 5.0, 10.0, 20.0, 40.0)
#: network seeds per N of the lambda_max sweep, and the fewest a lambda_max row accepts: counts
#: for a seed standard error <= LAM_TARGET_SE at the seed spread measured by 8-seed pilots,
#: rounded up (see the module docstring)
LAM_SEEDS = {500: 16, 1000: 12, 2000: 8}
LAM_TARGET_SE = 0.002
MIN_LAM_SEEDS = 6

#: Settings of the two scales. Times are in model time units (tau_h = 1); dt = 0.1 is the
#: step of the constant-gate checks at s_z = 1/2 (0.05 intrinsic time units).
SCALES = {
    "quick": dict(points=((0.0, 2.0), (2.0, 2.0)), ns=(200, 400), seeds=(0, 1, 2, 3, 4),
                  t_corr=150.0, t_transient=150.0, dt=0.1,
                  dmft=dict(n_paths=64, n_chains=6, dt=0.2), tangent_paths=256,
                  # lambda_max for notebook 05 (printed there; no quick report row, see check_grid)
                  lam=dict(points=((0.0, 2.0), (2.0, 2.0)), ns=(200, 400), seeds=(0, 1, 2, 3), t_qr=100.0,
                           t_transient=100.0, dt=0.1, dtype="float32")),
    "full": dict(points=GRID_POINTS, ns=(1000, 2000), seeds=(0, 1, 2, 3, 4, 5),
                 t_corr=200.0, t_transient=200.0, dt=0.1, dmft=dict(), tangent_paths=512,
                 # lambda_max: a separate QR-only sweep over more seeds (see the module docstring)
                 lam=dict(points=((0.0, 0.0), (2.0, 0.0), (0.0, 2.0), (2.0, 2.0), (10.0, 0.0), (10.0, 2.0)),
                          ns=(500, 1000, 2000), seeds=LAM_SEEDS, t_qr=200.0,
                          t_transient=100.0, dt=0.1, dtype="float32"),
                 # alpha_z >= SLOW_ALPHA_Z: these replace the settings above (see SLOW_ALPHA_Z)
                 slow=dict(dmft=AZ10_DMFT, window_check=True, tangent_paths=256, t_transient=500.0,
                           t_corr=500.0, h0_scale=0.4,
                           lam=dict(t_transient=300.0, h0_scale=0.4, ns=(1000, 2000),
                                    seeds={1000: 8, 2000: 6}))),
}
#: The strong update gate (alpha_z = 10) is slow on both sides (theory/validation/adjoint_fluctuating.py,
#: "History", measured at g_h = 6): the DMFT's correlation time grows with its lag window
#: (tau_relax 134, 177, 243 at W = 320, 640, 1280), so the DMFT runs at the adjoint check's fixed
#: window W = 1280 (tail test off, cheaper sampling: ``AZ10_DMFT``) and again at W / 2, and the
#: change from W / 2 to W enters every tolerance at these points (measured window dependence); networks
#: started from h ~ N(0, 1) relax their <h^2> over ~1000 time units (0.19 at t = 300, 0.16 at
#: 1000, DMFT 0.163), so they start at the stationary scale h ~ N(0, 0.4^2) with a transient of
#: 500 and a correlation window of 500 (QR runs: transient 300; N = 1000
#: and 2000 only, since N = 500 and 1000 agreed there by the quenched spread, with 8 and 6 seeds:
#: a QR run at N = 2000 costs about 2.5 min here).
SLOW_ALPHA_Z = 10.0


def _settings(cfg: dict, alpha_z: float, kind: str | None = None) -> dict:
    """A scale's settings at ``alpha_z`` (``kind="lam"``: of its lambda-only runs), with the
    ``slow`` overrides at alpha_z >= SLOW_ALPHA_Z."""
    base = dict(cfg[kind] if kind else cfg)
    if alpha_z >= SLOW_ALPHA_Z and "slow" in cfg:
        slow = cfg["slow"]
        base.update(slow.get(kind, {}) if kind else {k: v for k, v in slow.items() if k != "lam"})
    return base


def _params(alpha_z: float, alpha_r: float, g_h: float = G_H) -> ModelParams:
    return ModelParams.gated(g_h, alpha_z=alpha_z, alpha_r=alpha_r)


def network_task(*, g_h: float, alpha_z: float, alpha_r: float, n: int, network_seed: int, t_corr: float,
                 t_transient: float, dt: float, max_lag: float = 60.0, h0_scale: float = 1.0,
                 seed: int = 0) -> dict:
    """One seeded network: C_h(tau) and <h^2> over every unit, after a transient.

    :func:`theory.validation.dmft_sampling.network_correlation` over all N units, from
    h ~ N(0, h0_scale^2), with a correlation window ``t_corr`` (records every 5 steps). ``seed``
    (from the sweep) is unused: the couplings and the initial state come from ``network_seed``.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        r = network_correlation(_params(alpha_z, alpha_r, g_h), n, network_seed, t_run=t_corr, dt=dt,
                                t_transient=t_transient, max_lag=max_lag, h0_scale=h0_scale)
    return {**r, "tau": r["tau"].tolist(), "c_h": r["c_h"].tolist()}


def lambda_task(*, g_h: float, alpha_z: float, alpha_r: float, n: int, network_seed: int, t_qr: float,
                t_transient: float, dt: float, dtype: str = "float32", h0_scale: float = 1.0,
                seed: int = 0) -> dict:
    """One seeded network: QR lambda_max (k = 1) only (no correlation run, no C_h recording).

    From h ~ N(0, h0_scale^2), z = r = 0: state transient ``t_transient``, frame transient 40,
    recorded window ``t_qr`` in 10 blocks; the tangent run in ``dtype`` (float32 halves the cost
    at N = 2000; tests/test_lyapunov.py checks float32 against float64 within the block errors). ``seed`` (from the sweep) is unused:
    the couplings and the initial state come from ``network_seed``.
    """
    from threadpoolctl import threadpool_limits

    p = _params(alpha_z, alpha_r, g_h)
    with threadpool_limits(1):
        net = GatedNetwork(p, n, seed=network_seed)
        res = lyapunov_spectrum(net, 1, dt=dt, t_transient=t_transient, t_frame_transient=40.0,
                                t_run=t_qr, n_blocks=10, progress=False, dtype=dtype,
                                y0=net.initial_state(h0_scale))
    return {"lambda_max": res.lambda_max, "lambda_block_stderr": res.lambda_max_stderr,
            "block_exponents": res.block_exponents[:, 0].tolist()}


def lambda_plan(scale: str = "full", points=None, seeds=None, ns=None):
    """Sweep plan of the lambda-only network runs of ``scale`` (empty if the scale has none).

    ``seeds``: network seeds, one sequence for every N or a mapping N -> seed count (seeds
    0 .. count - 1). Ordered point by point, then seed by seed (all N of a seed together), so
    that an interrupted run has whole points with balanced seed counts. Every point is planned
    on its own (index 0), so its key depends on its keyword arguments only: adding seeds or
    points later keeps every stored run.
    """
    if not SCALES[scale].get("lam"):
        return []
    kws = []
    for az, ar in SCALES[scale]["lam"]["points"] if points is None else points:
        cfg = _settings(SCALES[scale], az, "lam")
        point_seeds = cfg["seeds"] if seeds is None else seeds
        point_ns = sorted(cfg["ns"] if ns is None else ns, reverse=True)
        per_n = ({n: tuple(range(point_seeds.get(n, 0))) for n in point_ns} if isinstance(point_seeds, dict)
                 else {n: tuple(point_seeds) for n in point_ns})
        run = _run_kwargs(cfg, ("t_qr", "t_transient", "dt", "dtype"))
        kws += [dict(g_h=G_H, alpha_z=az, alpha_r=ar, n=n, network_seed=s, **run)
                for s in sorted(set().union(*per_n.values())) for n in point_ns if s in per_n[n]]
    return [plan(lambda_task, [kw])[0] for kw in kws]


def theory_task(*, g_h: float, alpha_z: float, alpha_r: float, dmft: dict, tangent_paths: int,
                window_check: bool = False, seed: int = 0) -> dict:
    """DMFT of one grid point: exact (constant gates), deterministic output-gate DMFT (alpha_z = 0,
    alpha_r > 0) or sampling + sampled tangent DMFT (alpha_z > 0).

    Returns delta_h, tau_relax, lambda_max with standard errors (0 for the deterministic solvers), and
    C_h on the lag grid (with its chain standard error). ``window_check`` (sampling solver): also
    solve at half the final lag window, returned as ``half_window`` (its delta_h, lambda_max, C_h).
    """
    from threadpoolctl import threadpool_limits

    p = _params(alpha_z, alpha_r, g_h)
    with threadpool_limits(1):
        if alpha_z == 0:
            tau = np.arange(0.0, 120.0 + 1e-9, 0.1)
            if alpha_r == 0:
                solver, r = "exact", solve_dmft(p)
                c = r.c_h_at(tau)
            else:
                # h and r Gaussian: the deterministic output-gate DMFT (lag grid step 0.47; C_h is
                # smooth, so a cubic spline carries it to the 0.1 grid)
                solver, r = "output_gate", solve_dmft_output_gate(p)
                tau = tau[tau <= r.tau[-1]]
                c = CubicSpline(r.tau, r.c_h)(tau)
            return {"solver": solver, "delta_h": r.delta_h, "delta_h_stderr": 0.0,
                    "tau_relax": r.tau_relax, "tau_relax_stderr": 0.0, "lambda_max": r.lambda_max,
                    "lambda_max_stderr": 0.0, "tau": tau.tolist(), "c_h": np.asarray(c).tolist(),
                    "c_h_stderr": np.zeros_like(tau).tolist()}
        s = solve_dmft_sampling(p, seed=seed, progress=False, **dmft)
        tan = lambda_max_sampling(s, n_paths=tangent_paths, seed=seed)
        half = None
        if window_check:
            w = s.settings["window"] / 2
            s2 = solve_dmft_sampling(p, seed=seed, progress=False, **{**dmft, "window": w, "max_window": w})
            tan2 = lambda_max_sampling(s2, n_paths=tangent_paths, seed=seed)
            half = {"window": w, "delta_h": s2.delta_h, "tau_relax": s2.tau_relax, "lambda_max": tan2.lambda_max,
                    "tau": s2.tau.tolist(), "c_h": s2.c_h.tolist()}
    return {"solver": "sampling", "half_window": half, "delta_h": s.delta_h, "delta_h_stderr": s.delta_h_stderr,
            "tau_relax": s.tau_relax, "tau_relax_stderr": s.tau_relax_stderr,
            "lambda_max": tan.lambda_max, "lambda_max_stderr": tan.lambda_max_stderr,
            "tau": s.tau.tolist(), "c_h": s.c_h.tolist(), "c_h_stderr": s.c_h_stderr.tolist(),
            "n_iter": s.n_iter, "window": s.settings["window"], "settings": {
                k: v for k, v in s.settings.items() if k not in ("chain_delta_h", "chain_tau_relax")}}


def _run_kwargs(cfg: dict, keys, optional=("h0_scale",)) -> dict:
    """Task keyword arguments ``keys`` from settings ``cfg``, plus the ``optional`` ones where
    they are set (absent otherwise, so the keys of stored runs at the defaults do not change)."""
    return {**{k: cfg[k] for k in keys}, **{k: cfg[k] for k in optional if k in cfg}}


def grid_plan(scale: str = "full", points=None, base_seed: int = 0):
    """The two sweep plans (theory, networks) of a scale: list of SweepPoint each."""
    cfg = SCALES[scale]
    points = cfg["points"] if points is None else points
    th = [dict(g_h=G_H, alpha_z=az, alpha_r=ar,
               **_run_kwargs(_settings(cfg, az), ("dmft", "tangent_paths"), optional=("window_check",)))
          for az, ar in points]
    # point by point, largest N first: an interrupted full-scale run has whole points
    nets = [dict(g_h=G_H, alpha_z=az, alpha_r=ar, n=n, network_seed=s,
                 **_run_kwargs(_settings(cfg, az), ("t_corr", "t_transient", "dt")))
            for az, ar in points for n in sorted(cfg["ns"], reverse=True) for s in cfg["seeds"]]
    return plan(theory_task, th, base_seed), plan(network_task, nets, base_seed)


def run_grid(scale: str, out, *, executor: Executor | None = None, workers: int = 1, points=None,
             progress: bool | None = None, with_lambda: bool = True) -> dict:
    """Run (or resume) the sweeps of ``scale`` into ``out`` (the lambda-only runs if
    ``with_lambda``); returns the records by kind."""
    th_plan, net_plan = grid_plan(scale, points)
    lam_plan = lambda_plan(scale, points) if with_lambda else []
    own = executor is None and workers <= 1
    ex = ThreadPoolExecutor(1) if own else executor
    try:
        th = run_sweep(theory_task, th_plan, Path(out) / "theory", executor=ex, workers=workers,
                       progress=progress, desc="grid DMFT")
        nets = run_sweep(network_task, net_plan, Path(out) / "networks", executor=ex, workers=workers,
                         progress=progress, desc="grid networks")
        lam = (run_sweep(lambda_task, lam_plan, Path(out) / "lambda", executor=ex, workers=workers,
                         progress=progress, desc="grid lambda_max").records if lam_plan else [])
    finally:
        if own:
            ex.shutdown()
    return {"theory": th.records, "networks": nets.records, "lambda": lam}


def lambda_per_n(runs: list[dict]) -> list[dict]:
    """lambda_max per N over network seeds: mean and seed standard error.

    The error is the network-to-network (seed-to-seed) standard error
    std(lambda_s, ddof=1) / sqrt(n_seeds): each seed is a new coupling matrix and a new
    trajectory, so the seed spread contains the quenched disorder and each run's time-sampling
    error (``lam_block_se`` = root-sum-square of the runs' QR block errors / n_seeds is kept for
    comparison only).
    """
    out = []
    for n in sorted({r["kwargs"]["n"] for r in runs}):
        rs = [r["result"] for r in sorted((r for r in runs if r["kwargs"]["n"] == n),
                                          key=lambda r: r["kwargs"].get("network_seed", 0))]
        lam = np.array([r["lambda_max"] for r in rs])
        block = np.array([r.get("lambda_block_stderr", np.nan) for r in rs])
        se = float(_se(lam))
        out.append({"n": int(n), "n_seeds": len(rs), "lambda": lam, "lam_mean": float(lam.mean()),
                    "lam_se": se, "lam_sd": se * math.sqrt(len(rs)) if len(rs) > 1 else float("nan"),
                    "lam_block_se": float(np.sqrt(np.sum(block ** 2))) / len(rs)})
    return out


def grid_data(records: dict, lags=LAGS) -> list[dict]:
    """Aggregate stored records into per-point comparisons (points with a DMFT and >= 1 network).

    Per point and N: seed means and seed standard errors of C_h(lags) and <h^2> (``per_n``, from
    the correlation runs) and of lambda_max (``lam_per_n``, from the lambda-only runs).
    """
    lags = np.asarray(lags, float)
    out = []
    ok = [r for r in records["theory"] if r is not None and r["status"] == "ok"]

    def runs_at(kind, key):
        return [r for r in records.get(kind, []) if r is not None and r["status"] == "ok"
                and (r["kwargs"]["alpha_z"], r["kwargs"]["alpha_r"]) == key]

    for rec in ok:
        kw, th = rec["kwargs"], rec["result"]
        key = (kw["alpha_z"], kw["alpha_r"])
        runs = runs_at("networks", key)
        per_n = []
        for n in sorted({r["kwargs"]["n"] for r in runs}):
            rs = [r["result"] for r in runs if r["kwargs"]["n"] == n]
            cs = np.array([np.interp(lags, r["tau"], r["c_h"]) for r in rs])
            h2 = np.array([r["mean_h2"] for r in rs])
            per_n.append({"n": int(n), "n_seeds": len(rs), "c_h": cs.mean(0), "c_h_se": _se(cs),
                          "c_h_seeds": cs, "h2": h2, "h2_mean": float(h2.mean()),
                          "h2_se": float(_se(h2)),
                          "h2_halves": np.array([r["mean_h2_halves"] for r in rs]),
                          "n_units": min(r["n_units"] for r in rs)})
        lam_per_n = lambda_per_n(runs_at("lambda", key))
        if not per_n and not lam_per_n:
            continue
        half = th.get("half_window")
        c_theory = np.interp(lags, th["tau"], th["c_h"])
        out.append({"alpha_z": key[0], "alpha_r": key[1], "theory": th, "lags": lags,
                    "c_theory": c_theory, "window_change": None if half is None else {
                        "c_h": np.abs(c_theory - np.interp(lags, half["tau"], half["c_h"])),
                        "delta_h": abs(th["delta_h"] - half["delta_h"]),
                        "lambda_max": abs(th["lambda_max"] - half["lambda_max"]), "window": half["window"]},
                    "c_theory_se": np.interp(lags, th["tau"], th["c_h_stderr"]), "per_n": per_n,
                    "lam_per_n": lam_per_n})
    return out


def point_verdicts(d: dict, n_sigma: float = 3.0, min_lam_seeds: int = MIN_LAM_SEEDS) -> dict:
    """C_h(lags), delta_h and lambda_max verdicts of one aggregated point (see module docstring).

    C_h and delta_h: tolerance ``t99`` (seed dof n_seeds - 1, DMFT dof n_chains - 1) x the combined
    standard error + the finite-size change; lambda_max: ``n_sigma`` x its combined error + half
    the difference of the two finite-size laws. The lambda_max verdict needs >= 2 sizes with >= 2
    seeds each; it passes only with >= ``min_lam_seeds`` seeds at every size (fewer seeds do not
    measure the seed spread), a finite-size law that the chi^2 test does not reject, a tolerance
    below |lambda_max| (else the measurement cannot tell lambda_max from 0), and the extrapolation
    within tolerance.
    """
    th = d["theory"]
    out = {}
    if d["per_n"]:
        big = d["per_n"][-1]
        nxt = d["per_n"][-2] if len(d["per_n"]) > 1 else None
        fs_c = np.abs(big["c_h"] - nxt["c_h"]) if nxt else np.zeros_like(big["c_h"])
        dof_net = big["n_seeds"] - 1
        dof_th = th["settings"]["n_chains"] - 1 if th["solver"] == "sampling" else np.inf
        stat_c = np.sqrt(big["c_h_se"] ** 2 + d["c_theory_se"] ** 2)
        q_c = t99(big["c_h_se"], dof_net, d["c_theory_se"], dof_th)
        wc = d.get("window_change")
        tol_c = q_c * stat_c + fs_c + (wc["c_h"] if wc else 0.0)
        dev_c = np.abs(big["c_h"] - d["c_theory"])
        fs_h = abs(big["h2_mean"] - nxt["h2_mean"]) if nxt else 0.0
        stat_h = math.hypot(big["h2_se"], th["delta_h_stderr"])
        q_h = float(t99(big["h2_se"], dof_net, th["delta_h_stderr"], dof_th))
        tol_h = q_h * stat_h + fs_h + (wc["delta_h"] if wc else 0.0)
        out["c"] = {"dev": dev_c, "tol": tol_c, "stat": stat_c, "finite_size": fs_c, "t": q_c,
                    "z": (big["c_h"] - d["c_theory"]) / stat_c,
                    "passed": bool(np.all(dev_c <= tol_c)), "worst": int(np.argmax(dev_c / tol_c))}
        out["delta"] = {"theory": th["delta_h"], "network": big["h2_mean"], "tol": tol_h, "stat": stat_h,
                        "t": q_h, "finite_size": fs_h, "z": (big["h2_mean"] - th["delta_h"]) / stat_h,
                        "passed": abs(big["h2_mean"] - th["delta_h"]) <= tol_h}
    lp = [p for p in d.get("lam_per_n", []) if p["n_seeds"] >= 2]
    if len(lp) >= 2:
        ns = [p["n"] for p in lp]
        ms = [p["lam_mean"] for p in lp]
        ss = [p["lam_se"] for p in lp]
        l1, s1, a1 = _extrapolate(ns, ms, ss, 1.0)
        l2, s2, a2 = _extrapolate(ns, ms, ss, 0.5)
        central = 0.5 * (l1 + l2)
        stat = math.hypot(max(s1, s2), th["lambda_max_stderr"])
        window = d["window_change"]["lambda_max"] if d.get("window_change") else 0.0
        tol = n_sigma * stat + 0.5 * abs(l1 - l2) + window
        # with >= 3 sizes the laws can be tested: chi^2 of each fit, p-value for len(ns) - 2 dof;
        # an extrapolation whose law both fits reject (p < 0.01) is no measurement of lambda_inf
        x, y, w = np.asarray(ns, float), np.asarray(ms), 1 / np.asarray(ss) ** 2
        chi2 = [float(np.sum(w * (y - (l + a * x ** -pw)) ** 2)) for l, a, pw in ((l1, a1, 1.0), (l2, a2, 0.5))]
        dof = len(ns) - 2
        p_law = [float(stats.chi2.sf(c, dof)) if dof > 0 else 1.0 for c in chi2]
        law_ok = max(p_law) >= 0.01
        seeds_ok = min(p["n_seeds"] for p in lp) >= min_lam_seeds
        out["lambda"] = {"theory": th["lambda_max"], "inf": central, "inv_n": (l1, s1), "inv_sqrt_n": (l2, s2),
                         "slope": (a1, a2), "tol": tol, "stat": stat, "z": (central - th["lambda_max"]) / stat,
                         "chi2": chi2, "dof": dof, "p_law": p_law, "law_ok": law_ok, "seeds_ok": seeds_ok,
                         "ns": ns, "resolved": bool(tol < abs(th["lambda_max"])),
                         "passed": bool(seeds_ok and law_ok and tol < abs(th["lambda_max"])
                                        and abs(central - th["lambda_max"]) <= tol)}
    return out


def rows_for_point(d: dict, v: dict, with_lambda: bool = True) -> list[CheckResult]:
    """Report rows (C_h, delta_h and, if ``with_lambda``, lambda_max) of one aggregated point."""
    az, ar, th = d["alpha_z"], d["alpha_r"], d["theory"]
    label = f"g_h={G_H:g}, alpha_z={az:g}, alpha_r={ar:g}"
    dmft = ({"exact": "exact constant-gate DMFT",
             "output_gate": "deterministic output-gate DMFT (alpha_z = 0: h, r Gaussian; two-replica lambda_max)"}
            .get(th["solver"]) or f"sampling DMFT ({th['settings']['n_chains']} chains x {th['settings']['n_paths']} paths, "
            f"dt = {th['settings']['dt']}, window {th['window']:g}; error = chain SE)")
    wc = d.get("window_change")

    def window_term(value):
        return ("" if wc is None else f" + the change of the DMFT from the lag window W = {th['window']:g} to "
                f"W / 2 = {wc['window']:g} (measured window dependence: {value:.4f})")

    rows = []
    if "c" in v:
        big = d["per_n"][-1]
        ns = [p["n"] for p in d["per_n"]]
        c = v["c"]
        table = "; ".join(f"tau={t:g}: DMFT {m:.4f}+-{e:.4f}, N={big['n']} {x:.4f}+-{s:.4f} ({z:+.1f} SE), "
                          f"finite-size {f:.4f}" for t, m, e, x, s, z, f in
                          zip(d["lags"], d["c_theory"], d["c_theory_se"], big["c_h"], big["c_h_se"], c["z"],
                              c["finite_size"]))
        w = c["worst"]
        seeds = "seeds per N: " + ", ".join(str(p["n_seeds"]) for p in d["per_n"])
        rows.append(CheckResult(
            f"DMFT C_h(tau) = networks ({label}, N={big['n']})", float(d["c_theory"][w]), float(big["c_h"][w]),
            f"+-{c['tol'][w]:.3g} at tau={d['lags'][w]:g}", c["passed"],
            f"{dmft}. {table}. Networks: {seeds}, sizes {ns}, C_h over all {big['n_units']} units "
            f"(population mean of the time average of h_i(t) h_i(t + tau) over the correlation window). "
            f"Tolerance per lag: the 99% Student-t quantile (Welch-Satterthwaite dof of seeds and DMFT "
            f"chains; {c['t'][w]:.2f} at the worst lag) x sqrt(seed SE^2 + DMFT SE^2) + the measured "
            f"finite-size change between the two largest N{window_term(wc['c_h'][w] if wc else 0)}. "
            f"DMFT tau_relax = {th['tau_relax']:.3g} +- "
            f"{th['tau_relax_stderr']:.2g}."))
        dl = v["delta"]
        others = "; ".join(f"N={p['n']}: {p['h2_mean']:.4f} +- {p['h2_se']:.4f}" for p in d["per_n"])
        rows.append(CheckResult(
            f"DMFT delta_h = population <h^2> of networks ({label}, N={big['n']})", dl["theory"], dl["network"],
            f"+-{dl['tol']:.3g}", dl["passed"],
            f"{dmft}: delta_h = {th['delta_h']:.4f} +- {th['delta_h_stderr']:.4f}. Networks (time and "
            f"population average, {seeds}): {others}; deviation {dl['z']:+.1f} combined SE. Tolerance: "
            f"{dl['t']:.2f} (99% Student-t, Welch-Satterthwaite dof) x sqrt(seed SE^2 + DMFT SE^2) + the "
            f"finite-size change between the two largest N "
            f"({dl['finite_size']:.4f}){window_term(wc['delta_h'] if wc else 0)}."))
    if with_lambda and "lambda" in v:
        lv = v["lambda"]
        lp = [p for p in d["lam_per_n"] if p["n"] in lv["ns"]]
        lam_table = "; ".join(f"N={p['n']}: {p['lam_mean']:.4f} +- {p['lam_se']:.4f} ({p['n_seeds']} seeds, "
                              f"seed s.d. {p['lam_sd']:.4f}; from the QR block errors alone the SE would be "
                              f"{p['lam_block_se']:.4f})"
                              for p in lp)
        approx = ("" if th["solver"] != "sampling" else
                  " The sampled tangent DMFT neglects the tangent/state cross-covariance (exact at "
                  "constant gates).")
        why = []
        if not lv["seeds_ok"]:
            why.append(f"fewer than {MIN_LAM_SEEDS} seeds at some N, so the seed spread is not measured")
        if not lv["law_ok"]:
            why.append("both laws rejected (p < 0.01), so the N dependence does not extrapolate")
        if not lv["resolved"]:
            why.append("the tolerance exceeds lambda_max, so the networks do not resolve it")
        rows.append(CheckResult(
            f"DMFT lambda_max = N->inf extrapolation of network QR lambda_max ({label})",
            lv["theory"], lv["inf"], f"+-{lv['tol']:.3g}", lv["passed"],
            f"DMFT lambda_max {th['lambda_max']:.4f} +- {th['lambda_max_stderr']:.4f}.{approx} Network "
            f"QR lambda_max (k = 1, QR-only runs; error per N: the seed-to-seed standard error, "
            f"which contains the network-to-network spread and each run's time-sampling error): "
            f"{lam_table}. lambda_inf + a/N: {lv['inv_n'][0]:.4f} +- {lv['inv_n'][1]:.4f}; "
            f"lambda_inf + a/sqrt(N): {lv['inv_sqrt_n'][0]:.4f} +- {lv['inv_sqrt_n'][1]:.4f}; the row "
            f"compares their mean ({lv['z']:+.1f} combined SE). Fit quality: chi^2 {lv['chi2'][0]:.2f} "
            f"(a/N), {lv['chi2'][1]:.2f} (a/sqrt(N)) for {lv['dof']} dof, p = {lv['p_law'][0]:.3g}, "
            f"{lv['p_law'][1]:.3g}{'' if not why else ' (the row fails: ' + '; '.join(why) + ')'}. "
            f"Tolerance: 3 x sqrt(larger extrapolation SE^2 + DMFT SE^2) + half the difference of "
            f"the two laws (finite-size model error measured from the N dependence)"
            f"{window_term(wc['lambda_max'] if wc else 0)}."))
    return rows


@check("dmft_grid_vs_networks")
def check_grid(ctx) -> list[CheckResult]:
    if ctx.scale == "full":
        out = ctx.figures.parent / "dmft_grid"
        records = run_grid("full", out, workers=1, progress=False)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            records = run_grid("quick", tmp, workers=1, progress=False, with_lambda=False)
    data = grid_data(records)
    rows = []
    for d in data:
        # quick scale: no lambda_max row. At N = 200, 400 the two-size extrapolation has a
        # tolerance (about 0.13) larger than lambda_max itself (measured), so it would test nothing
        rows += rows_for_point(d, point_verdicts(d), with_lambda=ctx.scale == "full")
    fig = ctx.figure_path("dmft_grid_vs_networks.png")
    plot_grid(data, fig)
    if rows:
        rows[0].figure = fig.name
    return rows


def plot_grid(data, path) -> None:
    """C_h(tau): DMFT curves and the largest-N networks (points with seed SE)."""
    import matplotlib.pyplot as plt

    data = [d for d in data if d["per_n"]]
    fig, ax = plt.subplots(figsize=(6, 4))
    for i, d in enumerate(data):
        th, big = d["theory"], d["per_n"][-1]
        ax.plot(th["tau"], th["c_h"], color=f"C{i}",
                label=f"alpha_z={d['alpha_z']:g}, alpha_r={d['alpha_r']:g}")
        ax.errorbar(d["lags"], big["c_h"], yerr=big["c_h_se"], fmt="o", ms=4, color=f"C{i}")
    ax.set_xlim(0, 60)
    ax.set_xlabel("tau")
    ax.set_ylabel("C_h(tau)")
    if data:
        ax.set_title(f"DMFT (lines) vs networks N = {data[0]['per_n'][-1]['n']} (dots), g_h = {G_H:g}")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def format_table(data) -> str:
    """Plain-text table of the aggregated grid (for the command line)."""
    lines = []
    for d in data:
        v = point_verdicts(d)
        lines.append(f"alpha_z={d['alpha_z']:g} alpha_r={d['alpha_r']:g} ({d['theory']['solver']}):")
        if "c" in v:
            big = d["per_n"][-1]
            lines.append(f"   delta_h DMFT {v['delta']['theory']:.4f} net(N={big['n']}) {v['delta']['network']:.4f} "
                         f"z={v['delta']['z']:+.1f} tol {v['delta']['tol']:.4f} {'PASS' if v['delta']['passed'] else 'FAIL'}")
            lines.append("   C_h lags " + " ".join(f"{t:g}:{m:.4f}/{x:.4f}({z:+.1f})" for t, m, x, z in
                                                  zip(d["lags"], d["c_theory"], big["c_h"], v["c"]["z"]))
                         + f" {'PASS' if v['c']['passed'] else 'FAIL'}")
            for p in d["per_n"]:
                lines.append(f"   N={p['n']} seeds={p['n_seeds']} h2 {p['h2_mean']:.4f}+-{p['h2_se']:.4f} "
                             f"halves {np.round(p['h2_halves'].mean(0), 4)}")
        for p in d["lam_per_n"]:
            lines.append(f"   N={p['n']} seeds={p['n_seeds']} lambda {p['lam_mean']:.4f}+-{p['lam_se']:.4f} "
                         f"(seed sd {p['lam_sd']:.4f}, block SE {p['lam_block_se']:.4f}) "
                         f"{np.array2string(p['lambda'], precision=4)}")
        if "lambda" in v:
            lv = v["lambda"]
            lines.append(f"   lambda DMFT {lv['theory']:.4f}+-{d['theory']['lambda_max_stderr']:.4f} "
                         f"inf {lv['inf']:.4f} (1/N {lv['inv_n'][0]:.4f}+-{lv['inv_n'][1]:.4f}, "
                         f"1/sqrtN {lv['inv_sqrt_n'][0]:.4f}+-{lv['inv_sqrt_n'][1]:.4f}; chi2 "
                         f"{lv['chi2'][0]:.2f}, {lv['chi2'][1]:.2f} ({lv['dof']} dof), p {lv['p_law'][0]:.2g}, "
                         f"{lv['p_law'][1]:.2g}) z {lv['z']:+.2f} tol {lv['tol']:.4f} "
                         f"{'PASS' if lv['passed'] else 'FAIL'}")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Run (or resume) the DMFT-vs-networks grid sweeps.")
    ap.add_argument("--scale", choices=sorted(SCALES), default="full")
    ap.add_argument("--out", default="reports/dmft_grid")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--only", choices=("theory", "networks", "lambda", "both", "all"), default="all",
                    help="both: theory and full network runs; all: also the lambda-only runs")
    ap.add_argument("--sizes", default=None, help="comma-separated N subset of the network plan, e.g. 500,1000")
    ap.add_argument("--points", default=None, help="(alpha_z:alpha_r) subset, e.g. 2:0,0:0 (in this order)")
    ap.add_argument("--seeds", default=None, help="lambda-only runs: network seeds a:b (range a..b-1), "
                                                  "default those of the scale")
    args = ap.parse_args(argv)
    from concurrent.futures import ProcessPoolExecutor

    from ..sweeps import load_record

    th_plan, net_plan = grid_plan(args.scale)
    full_th, full_net = th_plan, net_plan
    order = None
    if args.points:
        order = [tuple(float(v) for v in x.split(":")) for x in args.points.split(",")]
    sizes = {int(x) for x in args.sizes.split(",")} if args.sizes else None
    seeds = None
    if args.seeds:
        lo, hi = (int(x) for x in args.seeds.split(":"))
        seeds = tuple(range(lo, hi))
    # subsets keep the keys of the full plan, so every process shares the same stored points
    if sizes:
        net_plan = [p for p in net_plan if p.kwargs["n"] in sizes]
    if order:
        net_plan = sorted([p for p in net_plan if (p.kwargs["alpha_z"], p.kwargs["alpha_r"]) in order],
                          key=lambda p: (order.index((p.kwargs["alpha_z"], p.kwargs["alpha_r"])), p.index))
        th_plan = [p for p in th_plan if (p.kwargs["alpha_z"], p.kwargs["alpha_r"]) in order]
    lam_plan = lambda_plan(args.scale, points=order, seeds=seeds, ns=sorted(sizes) if sizes else None)
    ex = ProcessPoolExecutor(args.workers) if args.workers > 1 else ThreadPoolExecutor(1)
    with ex:
        if args.only in ("theory", "both", "all"):
            run_sweep(theory_task, th_plan, Path(args.out) / "theory", executor=ex, desc="grid DMFT")
        if args.only in ("networks", "both", "all"):
            run_sweep(network_task, net_plan, Path(args.out) / "networks", executor=ex, desc="grid networks")
        if args.only in ("lambda", "all") and lam_plan:
            run_sweep(lambda_task, lam_plan, Path(args.out) / "lambda", executor=ex, desc="grid lambda_max")
    # report everything stored with the scale's run settings: lambda-only runs of any seed count
    lam_dir = Path(args.out) / "lambda" / "points"
    point_keys = ("g_h", "alpha_z", "alpha_r", "n", "network_seed")

    def same_settings(kw):
        want = _run_kwargs(_settings(SCALES[args.scale], kw["alpha_z"], "lam"), ("t_qr", "t_transient", "dt", "dtype"))
        return {k: v for k, v in kw.items() if k not in point_keys} == want

    lam_records = [r for r in (json.loads(f.read_text()) for f in sorted(lam_dir.glob("*.json")))
                   if same_settings(r["kwargs"])] if lam_dir.exists() and SCALES[args.scale].get("lam") else []
    records = {"theory": [load_record(Path(args.out) / "theory", p) for p in full_th],
               "networks": [load_record(Path(args.out) / "networks", p) for p in full_net],
               "lambda": lam_records}
    print(format_table(grid_data(records)))
    return 0
