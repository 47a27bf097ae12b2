"""Peak memory of a leading-k Lyapunov run, beyond the coupling matrices (issue 9 target: < 1 GB).

Measured in a fresh subprocess (so nothing else of the benchmark run is counted) in two ways:

- tracemalloc peak during ``lyapunov_spectrum`` (started after the network is built, so the
  couplings are excluded): every numpy array the run allocates (frames, RK4 stages, coupling
  products, QR factors);
- the process's peak resident set (``resource.getrusage(...).ru_maxrss``) minus the resident set
  just before the run: also counts BLAS/LAPACK work buffers that tracemalloc cannot see. If the
  peak was reached while the couplings were being drawn, this difference is a lower bound (0).

Memory does not grow with T (no trajectory is stored), so a few steps suffice. The time and
reference columns of this row hold megabytes, not milliseconds: time = the larger of the two
measurements, reference = the 1 GB (1024 MB) budget.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .registry import benchmark

BUDGET_MB = 1024.0
FULL, QUICK = (4000, 200), (1000, 50)
ROOT = Path(__file__).resolve().parent.parent

_CHILD = r"""
import json, resource, sys, time, tracemalloc
from threadpoolctl import threadpool_limits
from theory import GatedNetwork, ModelParams
from theory.lyapunov import lyapunov_spectrum

def rss_mb():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")

n, k = int(sys.argv[1]), int(sys.argv[2])
with threadpool_limits(limits=1):
    net = GatedNetwork(ModelParams.gated(4.0, alpha_z=2.0, alpha_r=2.0), n, seed=0)
    couplings = (net.Jh.nbytes + net.J_zr.nbytes) / 2**20
    rss_before, peak_before = rss_mb(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tracemalloc.start()
    t0 = time.perf_counter()
    lyapunov_spectrum(net, k, dt=0.05, t_transient=0.05, t_frame_transient=0.0, t_run=0.2,
                      reortho_interval=0.1, n_blocks=2, progress=False)
    seconds = time.perf_counter() - t0
    traced_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(dict(couplings_mb=couplings, rss_before_mb=rss_before, peak_before_mb=peak_before,
                      peak_mb=peak, traced_peak_mb=traced_peak, seconds=seconds, steps=4)))
"""


def measure(n: int, k: int) -> dict:
    """Run the child at (N, k) and return its JSON measurements."""
    res = subprocess.run([sys.executable, "-c", _CHILD, str(n), str(k)], cwd=ROOT, capture_output=True,
                         text=True, timeout=1800, env=None)
    if res.returncode != 0:
        raise RuntimeError(f"memory child failed: {res.stderr.strip()[-500:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


@benchmark("lyapunov_memory")
def lyapunov_memory(quick: bool) -> list[dict]:
    """Peak memory of a Lyapunov run beyond the couplings (N = 4000, k = 200) vs a 1 GB budget."""
    n, k = QUICK if quick else FULL
    m = measure(n, k)
    rss_extra = max(0.0, m["peak_mb"] - m["rss_before_mb"])
    extra = max(m["traced_peak_mb"], rss_extra)
    return [{
        "size": f"N={n}, k={k} (frame {3 * n} x {k})",
        "time": extra, "reference": BUDGET_MB, "ratio": extra / BUDGET_MB, "target": "<= 1",
        "note": (f"MEGABYTES, not ms: peak beyond the couplings = max(tracemalloc peak "
                 f"{m['traced_peak_mb']:.0f} MB, peak RSS - RSS before the run {rss_extra:.0f} MB); "
                 f"couplings Jh + [Jz; Jr] = {m['couplings_mb']:.0f} MB; whole-process peak RSS "
                 f"{m['peak_mb']:.0f} MB (drawing the couplings peaked at {m['peak_before_mb']:.0f} MB); "
                 f"1 state-only step, then {m['steps']} RK4 steps with tangent (QR every 2 steps) took {m['seconds']:.1f} s; one thread, subprocess"),
    }]
