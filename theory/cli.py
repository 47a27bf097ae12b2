"""Command line: ``python -m theory <command> [options] [--json]`` (contract in DESIGN.md).

With --json, stdout is one JSON object (counts as integers, other numbers as floats, curves as
lists; NaN -> null) and everything else goes to
stderr. Exit codes: 0 success, 2 bad input (one-line message), 3 non-convergence.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from .errors import ConvergenceError
from .params import ModelParams

EXIT_BAD_INPUT = 2
EXIT_NO_CONVERGENCE = 3

_MODEL_OPTIONS = {
    "g_h": "gain of phi(x) = tanh(g_h x + beta_h)",
    "alpha_z": "update-gate slope (>= 0)",
    "beta_z": "update-gate bias (positive closes the gate at z = 0)",
    "alpha_r": "output-gate slope (>= 0)",
    "beta_r": "output-gate bias (positive closes the gate at r = 0)",
    "beta_h": "activation bias",
    "tau_z": "update-gate time constant (> 0)",
    "tau_r": "output-gate time constant (> 0)",
    "I_h": "constant input to h",
    "I_z": "constant input to z",
    "I_r": "constant input to r",
}


class BadInput(Exception):
    """Raised by the parser instead of printing usage, so the CLI prints one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # noqa: D401 - argparse hook
        raise BadInput(message)


def _finite(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def _add_model_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("model")
    g.add_argument("--model", choices=("gated", "additive"), default="gated")
    for name, help_text in _MODEL_OPTIONS.items():
        flag = "--" + name.lower().replace("_", "-")
        g.add_argument(flag, dest=name, type=_finite, default=None, help=help_text)


def _add_run_options(p: argparse.ArgumentParser, *, t: float, n: int) -> None:
    g = p.add_argument_group("run")
    g.add_argument("--n", type=int, default=n, help=f"network size (default {n})")
    g.add_argument("--seed", type=int, default=0, help="seed of couplings and initial state")
    g.add_argument("--dt", type=_finite, default=0.05, help="time step (default 0.05)")
    g.add_argument("--t", type=_finite, default=t, help=f"recorded duration (default {t:g})")
    g.add_argument("--t-transient", type=_finite, default=50.0, help="discarded transient (50)")
    g.add_argument("--method", choices=("rk4", "euler"), default="rk4")
    g.add_argument("--blocks", type=int, default=10, help="blocks for standard errors (10)")


def params_from_args(args: argparse.Namespace) -> ModelParams:
    values = {k: getattr(args, k) for k in _MODEL_OPTIONS if getattr(args, k) is not None}
    if "g_h" not in values:
        raise ValueError("--g-h is required")
    values["model"] = args.model
    return ModelParams.from_dict(values)


def _jsonable(value: Any):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        x = float(value)
        return x if math.isfinite(x) else None
    return value


# ---- commands ------------------------------------------------------------------------------
def cmd_simulate(args) -> dict:
    from .lyapunov import lambda_max_twin
    from .network import GatedNetwork
    from .simulation import simulate

    net = GatedNetwork(params_from_args(args), args.n, args.seed)
    traj = simulate(net, args.t, args.dt, method=args.method, t_transient=args.t_transient,
                    record_every=max(1, int(round(0.5 / args.dt))))
    twin = lambda_max_twin(net, dt=args.dt, method=args.method, t_transient=0.0, t_run=args.t,
                           n_blocks=args.blocks, y0=traj.state, t0=float(traj.t[-1]))
    return {
        "n": args.n, "t": args.t, "dt": args.dt, "seed": args.seed,
        "mean_h2": float(traj.mean_h2_avg), "lambda_max": twin.lambda_max,
        "lambda_max_stderr": twin.stderr, "method": args.method,
        "params": net.params.provenance(),
    }


def cmd_lyapunov(args) -> dict:
    from .lyapunov import lyapunov_spectrum
    from .network import GatedNetwork

    net = GatedNetwork(params_from_args(args), args.n, args.seed)
    res = lyapunov_spectrum(net, args.k, dt=args.dt, method=args.method,
                            t_transient=args.t_transient, t_frame_transient=args.t_frame_transient,
                            t_run=args.t, reortho_interval=args.reortho, n_blocks=args.blocks)
    return {
        "n": args.n, "k": int(res.exponents.size), "t": args.t, "dt": args.dt, "seed": args.seed,
        "exponents": res.exponents, "stderr": res.stderr,
        "lambda_max": res.lambda_max, "lambda_max_stderr": res.lambda_max_stderr,
        "kaplan_yorke_dim": res.kaplan_yorke_dim, "entropy_rate": res.entropy_rate,
        "method": args.method, "params": net.params.provenance(),
    }


def cmd_static(args) -> dict:
    from .static_mft import solve_static

    params = params_from_args(args)
    sol = solve_static(params, n_scan=args.n_scan)
    return {
        "branches": [{"delta_h": b.delta_h, "q": b.q, "stable": b.stable, "kind": b.kind,
                      "F_hr0": b.F_hr0, "residual": b.residual} for b in sol.branches],
        "n_branches": len(sol.branches), "tolerance": sol.tolerance,
        "quadrature_tol": sol.quadrature_tol, "params": params.provenance(),
    }


def cmd_transitions(args) -> dict:
    from .transitions import transitions

    if args.g_h is None:  # the critical gains do not depend on g_h itself
        args.g_h = 1.0
    params = params_from_args(args)
    result = transitions(params, sampled_onset=args.sampled_onset).as_dict()
    result["params"] = params.provenance()
    return result


def cmd_complexity(args) -> dict:
    from .complexity import complexity

    params = params_from_args(args)
    result = complexity(params, tilted=not args.gaussian_only).as_dict()
    result["branches"] = [{k: (None if v is None else float(v)) for k, v in b.items()} for b in result["branches"]]
    result["params"] = params.provenance()
    return result


def cmd_spectrum(args) -> dict:
    from .spectral_curve import spectral_summary
    from .static_mft import solve_static

    params = params_from_args(args)
    if args.n_points < 8:
        raise ValueError(f"--n-points must be >= 8, got {args.n_points}")
    nonzero = solve_static(params).nonzero
    if args.branch == "stable":
        nonzero = [b for b in nonzero if b.stable]
    if not nonzero:
        raise ValueError(f"no {'stable ' if args.branch == 'stable' else ''}nonzero fixed-point branch "
                         f"at these parameters (the zero fixed point has the disk spectrum "
                         f"s_z(-1 + g_h s_r w), |w| <= 1)")
    branch = nonzero[0] if args.branch == "smallest" else nonzero[-1]
    out = spectral_summary(params, branch, n_points=args.n_points, theta_z=args.theta_z)
    out["branch"] = args.branch
    out["n_branches"] = len(nonzero)
    out["params"] = params.provenance()
    if not args.json:  # the human printer shows scalars; the curve is for --json
        out["boundary"] = f"{len(out['boundary'])} points (see --json)"
    return out


def cmd_dmft(args) -> dict:
    from .dmft import solve_dmft

    params = params_from_args(args)
    if args.n_tau < 2:
        raise ValueError(f"--n-tau must be >= 2, got {args.n_tau}")
    fluctuating = params.is_gated and (params.alpha_z > 0 or params.alpha_r > 0)
    if fluctuating and params.alpha_z == 0 and args.solver == "auto":
        out = _dmft_output_gate(params, args)
    elif fluctuating or args.solver == "sampling":
        from .dmft_sampling import solve_dmft_sampling
        from .dmft_tangent_sampling import lambda_max_sampling

        res = solve_dmft_sampling(params, n_paths=args.n_paths, n_chains=args.n_chains, seed=args.seed,
                                  dt=args.dt)
        tan = lambda_max_sampling(res, n_paths=args.tangent_paths, seed=args.seed) \
            if args.tangent_paths > 0 else None
        step = max(1, (res.tau.size - 1) // (args.n_tau - 1))
        sl = slice(None, None, step)
        out = {"delta_h": res.delta_h, "delta_h_stderr": res.delta_h_stderr, "tau_relax": res.tau_relax,
               "tau_relax_stderr": res.tau_relax_stderr,
               "lambda_max": tan.lambda_max if tan else None,
               "lambda_max_stderr": tan.lambda_max_stderr if tan else None,
               "corr": {"tau": res.tau[sl].tolist(), "c_h": res.c_h[sl].tolist(),
                        "c_h_stderr": res.c_h_stderr[sl].tolist(), "c_phi": res.c_phi[sl].tolist(),
                        "c_phi_stderr": res.c_phi_stderr[sl].tolist(), "c_z": res.c_z[sl].tolist(),
                        "c_r": res.c_r[sl].tolist()},
               "solver": "sampling", "n_iter": res.n_iter, "settings": res.settings}
    else:
        out = solve_dmft(params, below_onset=args.below_onset, n_tau=args.n_tau).as_dict()
        out["solver"] = "deterministic"
    out["params"] = params.provenance()
    if not args.json:  # the human printer shows scalars; the curve is for --json
        out["corr"] = f"{len(out['corr']['tau'])} points (see --json)"
        out.pop("settings", None)
    return out


def _dmft_output_gate(params, args) -> dict:
    """alpha_z = 0, alpha_r > 0: the deterministic output-gate DMFT (theory.dmft_output_gate)."""
    from .dmft import NoChaoticSolution
    from .dmft_output_gate import solve_dmft_output_gate
    from .transitions import quiescent_rate

    try:
        res = solve_dmft_output_gate(params)
    except NoChaoticSolution:
        if args.below_onset == "raise":
            raise
        tau = np.linspace(0.0, 20.0, args.n_tau)
        return {"delta_h": 0.0, "tau_relax": None, "tau_tail": None, "lambda_max": quiescent_rate(params),
                "chaotic": False, "corr": {"tau": tau.tolist(), "c_h": [0.0] * args.n_tau},
                "solver": "deterministic"}
    out = res.as_dict()
    step = max(1, (res.tau.size - 1) // (args.n_tau - 1))
    out["corr"] = {k: v[::step] for k, v in out["corr"].items()}
    out["solver"] = "deterministic"
    return out


def cmd_phase(args) -> dict:
    from pathlib import Path

    from .phase import LABELS, network_diagram, parse_axis, plot_phase, theory_diagram
    from .sweeps import open_executor

    args.g_h = 1.0 if args.g_h is None else args.g_h  # g_h is an axis here
    base = params_from_args(args)
    if not base.is_gated:
        raise ValueError("phase diagrams need the gated model (--model gated)")
    second = args.plane.split("-")[1]
    g = parse_axis("g_h", args.g_values)
    a = parse_axis(second, args.alpha_values)
    if args.simulate and (args.n < 2 or args.seeds < 1):
        raise ValueError(f"--n must be >= 2 and --seeds >= 1, got {args.n}, {args.seeds}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with open_executor(args.scheduler, args.workers) as executor:
        theory_ds = theory_diagram(args.plane, g, a, base=base, out=out, executor=executor)
        theory_path = out / "phase_theory.nc"
        theory_ds.to_netcdf(theory_path, engine="scipy")
        result = {"plane": args.plane, "axes": {"g_h": g, second: a}, "labels": list(LABELS),
                  "label": theory_ds["label"].values, "output": str(theory_path),
                  "lines": {k: theory_ds[k].values for k in ("g_instability", "g_topological", "g_chaos")},
                  "label_counts": {name: int((theory_ds["label"].values == i).sum())
                                   for i, name in enumerate(LABELS)}}
        net_ds = None
        if args.simulate:
            net_ds, res = network_diagram(args.plane, g, a, base=base, n=args.n, seeds=args.seeds,
                                          t_run=args.t, out=out, executor=executor,
                                          base_seed=args.seed)
            net_path = out / "phase_networks.nc"
            net_ds.to_netcdf(net_path, engine="scipy")
            result["network_output"] = str(net_path)
            result["network_points"] = {"computed": res.computed, "resumed": res.skipped,
                                        "failed": res.failed, "errors": res.errors[:5]}
    result["figure"] = str(plot_phase(theory_ds, net_ds, out / "phase.png"))
    result["params"] = base.provenance()
    return result


def cmd_memory(args) -> dict:
    from . import memory as mem

    values = {k: getattr(args, k) for k in _MODEL_OPTIONS if getattr(args, k) is not None}
    defaults = mem.DEFAULT_PARAMS.as_dict()
    params = ModelParams.from_dict({**{k: defaults[k] for k in ("g_h", "alpha_r", "alpha_z")}, **values,
                                    "model": args.model})
    for name, value, low in (("--eps", args.eps, 0.0), ("--s-max", args.s_max, 0.0)):
        if not (low < value < 1):
            raise ValueError(f"{name} must be in (0, 1), got {value}")
    for name, value in (("--t-hold", args.t_hold), ("--reset-strength", args.reset_strength),
                        ("--pulse-size", args.pulse_size), ("--dt", args.dt)):
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a finite number > 0, got {value}")
    if args.pulses < 1:
        raise ValueError(f"--pulses must be an integer >= 1, got {args.pulses}")
    if args.seed < 0:
        raise ValueError(f"--seed must be an integer >= 0, got {args.seed}")
    ms = mem.marginal_state(params, args.n, args.seed)
    mt = mem.memory_time(ms, args.t_hold, dt=args.dt)
    strict = ms.with_memory(args.s_max)
    if not strict.memory.any():
        raise ValueError(f"no unit with s_z(z*) < --s-max = {args.s_max}: raise alpha_z or --s-max")
    integ = mem.integration_trials(strict, args.pulses, args.pulse_size, args.trials, dt=args.dt,
                                   seed=args.seed)
    rt = mem.reset_time(ms, args.reset_strength, dt=args.dt)
    return {"frozen_fraction_theory": ms.frozen_fraction_theory,
            "slow_mode_fraction": mem.slow_mode_count(ms, args.eps) / ms.n,
            "memory_time": mt["measured"], "integration_error": integ["relative_error"],
            "reset_time": rt["measured"],
            "slow_mode_fraction_theory": mem.predicted_slow_fraction(params, ms.branch, args.eps),
            "frozen_fraction_network": float(ms.memory.mean()), "F_hr0": ms.F_hr0,
            "memory_time_theory": mt["theory"], "memory_time_network_leak": mt["network"],
            "reset_time_theory": rt["theory"], "eps": args.eps, "s_max": args.s_max,
            "memory_units": int(strict.memory.sum()), "pulses": args.pulses,
            "pulse_size": args.pulse_size, "reset_strength": args.reset_strength,
            "n": ms.n, "seed": args.seed, "params": params.provenance()}


def cmd_gradcheck(args) -> dict:
    from .gradcheck import REQUIRED, gradient_check

    params = params_from_args(args)
    if args.checkpoint_every is not None and args.checkpoint_every < 1:
        raise ValueError(f"--checkpoint-every must be an integer >= 1, got {args.checkpoint_every}")
    res = gradient_check(params, args.n, seed=args.seed, duration=args.t, dt=args.dt, method=args.method,
                         checkpoint_every=args.checkpoint_every)
    return {
        "max_rel_error": res.max_rel_error, "n": args.n, "passed": res.passed, "required": REQUIRED,
        "seed": args.seed, "t": args.t, "dt": args.dt, "method": args.method, "loss": res.loss,
        "rel_errors": res.rel_error, "adjoint": res.adjoint, "finite_difference": res.finite_difference,
        "skipped": res.skipped if args.json else ", ".join(res.skipped) or "none",
        "params": params.provenance(),
    }


def cmd_reproduce(args) -> dict:
    from .validation import format_table, run_checks, write_report

    rows = run_checks(args.scale, only=args.only, out=args.out)
    paths = write_report(rows, args.out, args.scale)
    print(format_table(rows), file=sys.stderr if args.json else sys.stdout)
    print(f"wrote {paths['markdown']}", file=sys.stderr)
    return {"rows": [r.as_dict() for r in rows], "report": str(paths["markdown"]),
            "passed": all(r.passed for r in rows), "scale": args.scale}


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m theory",
                     description="Theory of gating in RNNs: predictions and finite-network checks.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("simulate", help="finite-N run: <h^2> and twin-trajectory lambda_max")
    _add_model_options(p)
    _add_run_options(p, t=200.0, n=500)
    p.set_defaults(func=cmd_simulate)

    p = sub.add_parser("lyapunov", help="leading k Lyapunov exponents of a finite network (QR)")
    _add_model_options(p)
    _add_run_options(p, t=200.0, n=200)
    p.add_argument("--k", type=int, default=None, help="number of exponents (default: all)")
    p.add_argument("--t-frame-transient", type=_finite, default=20.0,
                   help="transient of the tangent frame (20)")
    p.add_argument("--reortho", type=_finite, default=1.0, help="re-orthonormalisation interval (1)")
    p.set_defaults(func=cmd_lyapunov)

    p = sub.add_parser("static", help="fixed-point branches of the static mean-field theory")
    _add_model_options(p)
    p.add_argument("--n-scan", type=int, default=64, help="scan points in delta_h (64)")
    p.set_defaults(func=cmd_static)

    p = sub.add_parser("transitions", help="critical g_h values (g_h itself is ignored)")
    _add_model_options(p)
    p.add_argument("--sampled-onset", action="store_true",
                   help="alpha_z > 0 with alpha_r > 0: g_chaos from the sampling DMFT (10-30 min; "
                        "its standard error in g_chaos_stderr)")
    p.set_defaults(func=cmd_transitions)

    p = sub.add_parser("complexity", help="Kac-Rice complexity (1/N) log E[#fixed points]: sigma (tilted "
                       "stationary law) and sigma_gaussian (static-branch bound)")
    _add_model_options(p)
    p.add_argument("--gaussian-only", action="store_true",
                   help="skip the tilted law (sigma = null; fast)")
    p.set_defaults(func=cmd_complexity)

    p = sub.add_parser("spectrum", help="fixed-point Jacobian spectrum from theory (F(lambda) = 1)")
    _add_model_options(p)
    p.add_argument("--branch", choices=("largest", "smallest", "stable"), default="largest",
                   help="nonzero static branch: largest or smallest delta_h, or the largest stable one")
    p.add_argument("--n-points", type=int, default=512, help="points of the boundary curve (512)")
    p.add_argument("--theta-z", type=_finite, default=None,
                   help="hard update-gate threshold for f0 (default beta_z / alpha_z)")
    p.set_defaults(func=cmd_spectrum)

    p = sub.add_parser("dmft", help="stationary DMFT of the chaotic state (deterministic for alpha_z = 0, "
                                    "sampling for alpha_z > 0)")
    _add_model_options(p)
    p.add_argument("--n-tau", type=int, default=200, help="points of the C_h(tau) curve (200)")
    p.add_argument("--solver", choices=("auto", "sampling"), default="auto",
                   help="auto: deterministic for alpha_z = 0 (any alpha_r), sampling for alpha_z > 0")
    p.add_argument("--n-paths", type=int, default=128, help="sampling: paths per iteration and chain (128)")
    p.add_argument("--n-chains", type=int, default=8, help="sampling: independent chains (8)")
    p.add_argument("--seed", type=int, default=0, help="sampling: seed (0)")
    p.add_argument("--dt", type=_finite, default=0.1, help="sampling: RK4 step (0.1)")
    p.add_argument("--tangent-paths", type=int, default=512,
                   help="sampling: paths per evaluation of the tangent DMFT for lambda_max (512; 0 skips it)")
    p.add_argument("--below-onset", choices=("quiescent", "raise"), default="quiescent",
                   help="g_h s_r <= 1: report the quiescent state (delta_h = 0) or fail with exit 2")
    p.set_defaults(func=cmd_dmft)

    p = sub.add_parser("phase", help="phase diagram: theory labels and lines, optional network sweep")
    _add_model_options(p)
    p.add_argument("--plane", choices=("g_h-alpha_r", "g_h-alpha_z"), default="g_h-alpha_r")
    p.add_argument("--g-values", default="1:3:41", help="g_h axis, start:stop:count or a,b,c (1:3:41)")
    p.add_argument("--alpha-values", default="0:20:21",
                   help="second axis (alpha_r or alpha_z by --plane), start:stop:count or a,b,c (0:20:21)")
    p.add_argument("--simulate", action="store_true", help="also sweep finite networks on the grid")
    p.add_argument("--n", type=int, default=200, help="network size of the sweep (200)")
    p.add_argument("--seeds", type=int, default=1, help="networks per grid point (1)")
    p.add_argument("--t", type=_finite, default=100.0, help="recorded time per network point (100)")
    p.add_argument("--seed", type=int, default=0, help="base seed of the network sweep (0)")
    p.add_argument("--out", default="reports/phase", help="output folder; reruns resume (reports/phase)")
    p.add_argument("--scheduler", default=None, help="dask.distributed scheduler address (tcp://host:port)")
    p.add_argument("--workers", type=int, default=2, help="local worker processes (2)")
    p.set_defaults(func=cmd_phase)

    p = sub.add_parser("memory", help="frozen units as an integrator: slow modes, memory time, "
                                      "integration error, reset time (defaults g_h 2.5, alpha_r 1, alpha_z 10)")
    _add_model_options(p)
    p.add_argument("--n", type=int, default=300, help="network size (300)")
    p.add_argument("--seed", type=int, default=0, help="coupling seed (0)")
    p.add_argument("--dt", type=_finite, default=0.1, help="time step (0.1)")
    p.add_argument("--eps", type=_finite, default=0.01, help="slow mode: |lambda| < eps (0.01)")
    p.add_argument("--t-hold", type=_finite, default=200.0, help="hold time of the memory trace (200)")
    p.add_argument("--pulses", type=int, default=4, help="pulses per integration trial (4)")
    p.add_argument("--pulse-size", type=_finite, default=0.1, help="pulse areas ~ U(-size, size) (0.1)")
    p.add_argument("--trials", type=int, default=16, help="integration trials (16)")
    p.add_argument("--s-max", type=_finite, default=1e-3,
                   help="integration uses units with s_z(z*) < s-max (1e-3)")
    p.add_argument("--reset-strength", type=_finite, default=2.0, help="reset input I^z (2)")
    p.set_defaults(func=cmd_memory)

    p = sub.add_parser("gradcheck", help="adjoint gradients vs finite differences on a small network "
                                         "(exit 1 if max_rel_error >= 1e-6)")
    _add_model_options(p)
    g = p.add_argument_group("run")
    g.add_argument("--n", type=int, default=8, help="network size (default 8, at most 64)")
    g.add_argument("--seed", type=int, default=0, help="seed of couplings, state and directions")
    g.add_argument("--dt", type=_finite, default=0.05, help="time step (default 0.05)")
    g.add_argument("--t", type=_finite, default=2.0, help="loss horizon T (default 2)")
    g.add_argument("--method", choices=("rk4", "euler"), default="rk4")
    g.add_argument("--checkpoint-every", type=int, default=None,
                   help="steps between checkpoints (default ceil(sqrt(steps)))")
    p.set_defaults(func=cmd_gradcheck)

    p = sub.add_parser("reproduce", help="run the validation checks and write reports/")
    p.add_argument("--scale", choices=("quick", "full"), default="quick")
    p.add_argument("--only", action="append", default=None, help="run only checks with this name")
    p.add_argument("--out", default="reports", help="output folder (default reports/)")
    p.set_defaults(func=cmd_reproduce)

    for p in sub.choices.values():
        p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
        p.add_argument("--threads", type=int, default=None,
                       help="BLAS threads (default: the library's); 1 is fastest for small N")
    return parser


def _print_human(result: dict) -> None:
    for key, value in result.items():
        if key in ("rows", "params"):
            continue
        if isinstance(value, (list, np.ndarray)) and len(value) > 8:
            value = f"[{', '.join(f'{v:.4g}' for v in value[:8])}, ...] ({len(value)} values)"
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            value = "; ".join(", ".join(f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v}"
                                        for k, v in item.items()) for item in value)
        elif isinstance(value, (list, np.ndarray)):
            value = "[" + ", ".join(f"{v:.6g}" for v in value) + "]"
        elif isinstance(value, float):
            value = f"{value:.6g}"
        print(f"{key}: {value}")


def main(argv=None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.threads is not None and args.threads < 1:
            raise ValueError(f"--threads must be an integer >= 1, got {args.threads}")
        with threadpool_limits(args.threads) if args.threads else contextlib.nullcontext():
            result = args.func(args)
    except (BadInput, ValueError) as exc:
        print(f"error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ConvergenceError as exc:
        print(f"error: no convergence: {exc}", file=sys.stderr)
        return EXIT_NO_CONVERGENCE
    if args.json:
        print(json.dumps(_jsonable(result)))
    elif args.command == "phase":  # the grid is for --json and the files
        _print_human({k: (", ".join(v) if k == "labels" else v) for k, v in result.items()
                      if k not in ("label", "axes", "lines")})
    elif args.command != "reproduce":  # reproduce has printed its table
        _print_human(result)
    if args.command in ("reproduce", "gradcheck") and not result["passed"]:
        return 1
    return 0
