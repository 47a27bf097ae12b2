"""Sweeps: explicit seeds, atomic per-point records, resume, failures recorded, any executor
(a local process pool, a thread pool, a real dask.distributed cluster on loopback)."""

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from theory.phase import network_point
from theory.sweeps import open_executor, plan, point_seed, run_sweep

ROOT = Path(__file__).resolve().parents[1]
#: a tiny network point (about 0.1 s)
TINY = {"alpha_r": 0.0, "n": 20, "t_run": 5.0, "t_transient": 2.0}


def tiny_points(gains):
    return [TINY | {"g_h": float(g)} for g in gains]


def test_plan_seeds_and_keys_are_explicit_and_stable():
    a = plan(network_point, tiny_points([1.0, 2.0, 3.0]), base_seed=7)
    b = plan(network_point, tiny_points([1.0, 2.0, 3.0]), base_seed=7)
    assert [p.seed for p in a] == [p.seed for p in b] == [point_seed(7, i) for i in range(3)]
    assert len({p.seed for p in a}) == 3 and len({p.key for p in a}) == 3
    assert [p.key for p in a] != [p.key for p in plan(network_point, tiny_points([1.0, 2.0, 3.0]), 8)]


@pytest.mark.parametrize("bad, match", [
    (lambda: plan(lambda **kw: kw, [{}]), "module-level"),
    (lambda: plan(network_point, [{"seed": 1}]), "set by the sweep"),
    (lambda: plan(network_point, [3.0]), "mapping"),
    (lambda: plan(network_point, [{}], base_seed=-1), "base_seed"),
])
def test_plan_rejects_bad_input(bad, match):
    with pytest.raises(ValueError, match=match):
        bad()


def test_run_records_every_point_resumes_and_keeps_failures(tmp_path):
    pts = plan(network_point, tiny_points([0.5, 3.0]) + [TINY | {"g_h": -1.0}])
    with ThreadPoolExecutor(2) as ex:
        first = run_sweep(network_point, pts, tmp_path, executor=ex, progress=False)
    assert (first.computed, first.skipped, first.failed) == (3, 0, 1)
    assert not first.complete
    bad = first.records[2]
    assert bad["status"] == "error" and "g_h" in bad["error"] and bad["result"] is None
    good = first.records[0]
    assert good["status"] == "ok" and good["seed"] == pts[0].seed
    assert set(good["provenance"]) >= {"theory", "numpy", "generated_sha256"}
    assert len(good["provenance"]["generated_sha256"]) == 64
    # a quiescent network (g_h = 0.5): negative exponent, the small state decays
    assert good["result"]["label"] == "stable" and good["result"]["lambda_max"] < 0
    stamps = {p: p.stat().st_mtime_ns for p in (tmp_path / "points").glob("*.json")}
    again = run_sweep(network_point, pts, tmp_path, executor=None, progress=False)
    assert (again.computed, again.skipped, again.failed) == (0, 3, 1)
    assert again.records == first.records
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "points").glob("*.json")} == stamps
    retried = run_sweep(network_point, pts, tmp_path, retry_failed=True, progress=False, workers=1)
    assert (retried.computed, retried.skipped, retried.failed) == (1, 2, 1)
    assert not list((tmp_path / "points").glob("*.tmp*"))


def test_killed_sweep_resumes_without_recomputing_or_losing_points(tmp_path):
    """Kill a CLI sweep midway (SIGKILL: no cleanup at all), then run it again."""
    out = tmp_path / "phase"
    cmd = [sys.executable, "-m", "theory", "phase", "--g-values", "0.5:3:12", "--alpha-values", "0",
           "--simulate", "--n", "40", "--t", "20", "--workers", "1", "--out", str(out), "--json",
           "--threads", "1"]
    env = dict(os.environ, MPLBACKEND="Agg")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    points = out / "networks" / "points"
    deadline = time.time() + 300
    while time.time() < deadline and len(list(points.glob("*.json"))) < 3:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = {p.name: p.read_text() for p in points.glob("*.json")}
    assert 3 <= len(done) < 12, "the sweep must be killed midway"
    rerun = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    result = json.loads(rerun.stdout)
    assert result["network_points"]["resumed"] == len(done)
    assert result["network_points"]["computed"] == 12 - len(done)
    assert {p.name: p.read_text() for p in points.glob("*.json") if p.name in done} == done
    assert len(list(points.glob("*.json"))) == 12


def test_dask_cluster_on_loopback_gives_the_same_points_as_a_process_pool(tmp_path):
    distributed = pytest.importorskip("distributed")
    pts = plan(network_point, tiny_points([0.5, 2.5, 4.0]), base_seed=3)
    local = run_sweep(network_point, pts, tmp_path / "local", workers=2, progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        with open_executor(cluster.scheduler_address) as ex:
            remote = run_sweep(network_point, pts, tmp_path / "dask", executor=ex, progress=False)
    assert remote.computed == 3 and remote.failed == 0
    assert [r["result"] for r in remote.records] == [r["result"] for r in local.records]


def test_open_executor_rejects_bad_workers():
    with pytest.raises(ValueError, match="workers"):
        with open_executor(None, 0):
            pass
