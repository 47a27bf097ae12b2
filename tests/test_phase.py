"""Phase diagrams: labels from the critical gains, the marginal region, the CLI `phase`."""

import json
import math

import numpy as np
import pytest
import xarray as xr

from theory import ModelParams
from theory.phase import LABELS, label_gains, marginal_mask, parse_axis
from theory.spectral_curve import marginal_stability
from theory.static_mft import solve_static


def names(idx):
    return [LABELS[i] for i in idx]


def test_labels_follow_the_order_of_the_critical_gains():
    g = np.array([1.5, 1.7, 1.9, 2.1])
    # discontinuous case: g_topological < g_chaos < g_instability
    assert names(label_gains(g, 2.0, 1.6, 1.8)) == ["stable", "fixed_points", "bistable", "chaotic"]
    # continuous case: all three coincide
    assert names(label_gains(g, 2.0, 2.0, 2.0)) == ["stable"] * 3 + ["chaotic"]
    # g_chaos unknown: the theory cannot tell chaos from fixed points above g_topological
    assert names(label_gains(g, 2.0, 1.6, math.nan)) == ["stable"] + ["undetermined"] * 3


def test_marginal_region_is_the_hard_gate_criterion():
    base = ModelParams.gated(1.0, alpha_r=1.0)
    g, a = np.array([1.5, 2.5]), np.array([0.0, 5.0])
    mask = marginal_mask(g, a, base)
    p = base.replace(g_h=2.5)
    ms = marginal_stability(p, solve_static(p).nonzero[-1], 0.0)
    assert ms.marginally_stable and mask[1, 1]  # (1 - 1/2) F_hr(0) = 0.56 < 1 < F_hr(0) = 1.11
    assert not mask[0].any()  # g_h = 1.5 < 2: no nonzero fixed point
    assert not mask[1, 0]  # alpha_z = 0: no frozen units


@pytest.mark.parametrize("text, match", [("1:3", "start:stop:count"), ("3,2", "increasing"),
                                         ("a,b", "start:stop:count"), ("-1:2:3", ">= 0"),
                                         ("1:2:0", "start:stop:count")])
def test_parse_axis_rejects_bad_axes(text, match):
    with pytest.raises(ValueError, match=match):
        parse_axis("g_h", text)


def test_cli_phase_theory_only(run_cli, tmp_path):
    code, out, err = run_cli("phase", "--g-values", "1.5,2.5", "--alpha-values", "0,2",
                             "--out", str(tmp_path), "--json", "--workers", "1")
    assert code == 0, err
    res = json.loads(out)
    assert {"plane", "axes", "labels", "label", "output", "figure", "lines"} <= set(res)
    assert res["axes"] == {"g_h": [1.5, 2.5], "alpha_r": [0.0, 2.0]}
    # constant gates: continuous transition at g_h = 2 (DMFT onset = instability = topological)
    assert res["lines"]["g_chaos"][0] == pytest.approx(2.0, abs=1e-9)
    assert [LABELS[i] for i in np.array(res["label"])[:, 0]] == ["stable", "chaotic"]
    ds = xr.open_dataset(res["output"], engine="scipy")
    assert ds["label"].shape == (2, 2) and ds.attrs["plane"] == "g_h-alpha_r"
    ds.close()
    assert (tmp_path / "phase.png").stat().st_size > 0


@pytest.mark.parametrize("argv, match", [
    (["--g-values", "3,1"], "increasing"),
    (["--model", "additive"], "gated"),
    (["--workers", "0"], "workers"),
    (["--simulate", "--n", "1"], "--n"),
])
def test_cli_phase_bad_input_exit_2(run_cli, tmp_path, argv, match):
    code, out, err = run_cli("phase", *argv, "--out", str(tmp_path))
    assert code == 2 and out == ""
    assert match in err and len(err.strip().splitlines()) == 1


def test_grid_diagram_labels_agree_with_the_exact_lines():
    # labels from counting static branches on the grid vs labels from the exact critical gains
    # (theory.transitions via lines_point, stored as *_exact): identical, and the grid
    # g_topological is the first grid gain at or above the exact one
    from theory.phase import theory_diagram_grid

    g, a = np.linspace(1.5, 2.5, 21), np.array([0.0, 5.0, 20.0])
    ds = theory_diagram_grid("g_h-alpha_r", g, a, base=ModelParams.gated(1.0), n_exact=3, workers=1,
                             dmft_onset=True)
    assert list(ds["alpha_r_exact"].values) == list(a)
    for j in range(a.size):
        exact = [ds[f"{k}_exact"].values[j] for k in ("g_instability", "g_topological", "g_chaos")]
        assert np.array_equal(ds["label"].values[:, j], label_gains(g, *exact))
        g_top = ds["g_topological"].values[j]
        assert g_top >= exact[1] - 1e-12 and g_top - exact[1] < g[1] - g[0]
    # alpha_r = 20: fixed points (saddle-node at 1.628), then the DMFT fold g_chaos (bistable:
    # quiescent + chaotic), then the instability at 2
    lab = names(ds["label"].values[:, 2])
    g_chaos = ds["g_chaos"].values[2]
    assert ds["g_topological"].values[2] < g_chaos < 2.0
    assert lab == ["stable" if x < ds["g_topological"].values[2] else "fixed_points" if x < g_chaos
                   else "bistable" if x < 2.0 else "chaotic" for x in g]
    assert names(ds["label"].values[:, 0]) == ["stable"] * 10 + ["chaotic"] * 11


def test_grid_diagram_alpha_z_plane_matches_theory_diagram(tmp_path):
    from theory.phase import theory_diagram, theory_diagram_grid

    base = ModelParams.gated(1.0, alpha_r=1.0)
    g, a = np.array([1.5, 2.5]), np.array([0.0, 5.0])
    fast = theory_diagram_grid("g_h-alpha_z", g, a, base=base, workers=1)
    slow = theory_diagram("g_h-alpha_z", g, a, base=base, out=tmp_path, workers=1, dmft_onset=False)
    assert np.array_equal(fast["label"].values, slow["label"].values)
    assert fast["label"].values[1, 1] == LABELS.index("marginally_stable")


@pytest.mark.parametrize("kw, match", [(dict(n_exact=-1), "n_exact"), (dict(workers=0), "workers"),
                                       (dict(plane="g_h-beta"), "plane")])
def test_grid_diagram_rejects_bad_input(kw, match):
    from theory.phase import theory_diagram_grid

    args = dict(plane="g_h-alpha_r") | kw
    with pytest.raises(ValueError, match=match):
        theory_diagram_grid(args.pop("plane"), [1.0, 2.0], [0.0], base=ModelParams.gated(1.0), **args)


def test_interpolated_onset_fills_columns_and_measures_its_error():
    from theory.phase import _interpolate_onset

    x = np.linspace(0.0, 20.0, 41)
    pick = np.array([0, 10, 20, 30, 40])
    exact = 2.0 - 0.01 * x[pick] ** 1.5           # a smooth, monotone stand-in onset line
    known = np.full(x.size, np.nan)
    known[0] = 2.0
    out, err = _interpolate_onset(x, pick, exact, known)
    assert out[0] == 2.0 and np.all(np.isfinite(out))
    assert np.allclose(out[pick], exact)
    true = 2.0 - 0.01 * x ** 1.5
    # the leave-one-out error (coarser spacing) bounds the error of the full interpolant
    assert 0 < np.max(np.abs(out - true)) <= err


def test_interpolated_onset_needs_three_exact_columns():
    from theory.phase import theory_diagram_grid

    with pytest.raises(ValueError, match="n_exact"):
        theory_diagram_grid("g_h-alpha_r", [1.0, 2.0], [0.0, 5.0], base=ModelParams.gated(1.0),
                            n_exact=2, dmft_onset="interpolated")
    with pytest.raises(ValueError, match="dmft_onset"):
        theory_diagram_grid("g_h-alpha_r", [1.0, 2.0], [0.0, 5.0], base=ModelParams.gated(1.0),
                            dmft_onset="sometimes")
