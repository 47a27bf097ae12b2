"""The symbolic layer: derived equations match THEORY.md, generated files are fresh, no SymPy at runtime."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

sp = pytest.importorskip("sympy")

from derivations import dmft, spectral, static_mft, tangent  # noqa: E402
from derivations.averages import factorize_mean  # noqa: E402
from derivations.model import (  # noqa: E402
    additive_model, alpha_r, beta_r, field_symbol, gated_model, h, phi, r, registered_models,
    sigma_r, sigma_z, tau_r, unit_model, variance_symbol, z,
)

ROOT = Path(__file__).resolve().parent.parent


def test_check_passes():
    """`python -m derivations --check` succeeds on the committed files (its time: benchmark
    `derivations_check`)."""
    proc = subprocess.run([sys.executable, "-m", "derivations", "--check"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_check_detects_stale_output(tmp_path, monkeypatch):
    from derivations import build

    files = build.outputs()
    target = build.GENERATED / "gated_numpy.py"
    assert build.stale(files) == []
    monkeypatch.setitem(files, target, files[target] + "\n# edited\n")
    assert "theory/_generated/gated_numpy.py" in build.stale(files)


def test_generation_is_deterministic():
    from derivations import build

    assert build.outputs() == build.outputs()


def test_theory_imports_without_sympy():
    code = textwrap.dedent(
        """
        import sys
        sys.modules['sympy'] = None
        import numpy as np
        import theory, theory.gaussian, theory.highprec
        from theory._generated import MODELS, load
        for m in MODELS:
            load(m, 'numpy'); load(m, 'mpmath')
        g = load('gated')
        d = g.static_field_variances(1.0, 0.5, 0.5, average=theory.gaussian.independent_average,
                                     g_h=2.0, alpha_r=1.0, beta_r=0.0, beta_h=0.0, I_h=0.0, I_r=0.0)
        assert all(np.isfinite(d))
        net = theory.GatedNetwork(theory.ModelParams.gated(2.0), 5, seed=0)
        net.vector_field(0.0, net.initial_state())
        assert 'sympy' not in [k for k, v in sys.modules.items() if v is not None]
        print('ok')
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def test_generated_headers_name_derivation_and_hash():
    import hashlib

    for path in (ROOT / "theory" / "_generated").glob("*_numpy.py"):
        text = path.read_text()
        header, body = text.split('"""\n\n', 1)
        assert "derivations/spectral.py" in header and "Do not edit" in header
        digest = header.split("content-sha256: ")[1].split()[0]
        assert hashlib.sha256(body.encode()).hexdigest() == digest
        assert "sympy" not in body


def test_equation_pages_exist_for_every_model():
    for model in registered_models():
        page = (ROOT / "derivations" / "equations" / f"{model.name}.md").read_text()
        assert "## Spectral curve" in page and "$$" in page


# ---- the derivations reproduce THEORY.md ----------------------------------------------------

def test_update_gate_drops_out_of_fixed_points():
    star = static_mft.fixed_point(gated_model())
    eta_h, eta_r = field_symbol("h"), field_symbol("r")
    assert star[h] == eta_h + sp.Symbol("I_h", real=True)
    section = static_mft.derive(gated_model())
    for eq in section.equations:
        assert not eq.rhs.has(sigma_z), eq.label


def test_static_equations_match_theory():
    """D_h = <phi^2> <sigma_r^2>, D_z = D_r = <phi^2> (THEORY.md section 2)."""
    section = static_mft.derive(gated_model())
    reg = section.data["registry"]
    eqs = {e.label: e for e in section.equations}
    I_h, I_r = sp.symbols("I_h I_r", real=True)
    integrands = {a.name: a.integrand for a in reg.averages}
    assert set(integrands.values()) == {phi(I_h + field_symbol("h")) ** 2, sigma_r(I_r + field_symbol("r")) ** 2}
    assert eqs["D_z"].rhs == eqs["D_r"].rhs
    assert len(eqs["D_h"].rhs.args) == 2


def test_spectral_curve_matches_theory():
    """F = <s_z^2/|l + s_z|^2> <phi'^2> (<s_r^2> + <phi^2><s_r'^2>/|1 + tau_r l|^2)."""
    section = spectral.derive(gated_model())
    F = next(e for e in section.equations if e.label == "F").rhs
    S_hh, S_hr, S_rh = sp.symbols("S_hh S_hr S_rh", real=True)
    assert sp.expand(F - (S_hh + S_hr * S_rh)) == 0
    assert section.data["feedback_channels"] == ["h", "r"]
    # F(0) does not depend on the update gate
    F0 = next(e for e in section.equations if e.label == "F(0)").rhs
    assert not F0.has(sigma_z)


def test_hard_update_gate_limit():
    section = spectral.derive(gated_model())
    eqs = {e.label: e.rhs for e in section.equations}
    f0 = spectral.f0
    # F_inf(0) = (1 - f0) F_hr(0)
    F_hr0 = eqs["F(0)"]
    assert sp.simplify(eqs["F frozen (0)"] - (1 - f0) * F_hr0) == 0
    theta, I_z, D_z = sp.Symbol("theta_z", real=True), sp.Symbol("I_z", real=True), variance_symbol("z")
    from derivations.functions import to_closed_form

    fr = to_closed_form(eqs["f0"])
    assert sp.simplify(fr.subs({theta: 0, I_z: 0}) - sp.Rational(1, 2)) == 0


def test_additive_limit_and_lag_equations():
    section = dmft.derive(gated_model())
    labels = {e.label: e for e in section.equations}
    assert "lag z" in labels and "lag r" in labels and "lag h" in labels  # lag h: constant update gate
    assert section.data["GAUSSIAN_STATE"] == ("z", "r")
    add = dmft.derive(additive_model())
    assert add.data["GAUSSIAN_STATE"] == ("h",)
    # C_{sigma_r phi} = C_{sigma_r} C_phi: r is driven by eta_r only, h by eta_h and eta_z
    deps = dmft.field_dependencies(gated_model())
    assert deps[r] == {field_symbol("r")} and deps[h] == {field_symbol("h"), field_symbol("z")}


def test_lyapunov_constant_gates():
    """lambda_max = s_z (-1 + sqrt(1 - E0)), potential weight s_r^2 (THEORY.md section 5)."""
    section = tangent.derive(gated_model())
    eqs = {e.label: e.rhs for e in section.equations}
    E0, s_z = sp.Symbol("E_0", real=True), sp.Symbol("s_z", positive=True)
    assert sp.simplify(eqs["lambda_max"] - s_z * (-1 + sp.sqrt(1 - E0))) == 0


def test_factorize_mean_groups_independent_fields():
    a, b, c = sp.symbols("a b c", real=True)
    f = sp.Function("f")
    const, groups = factorize_mean(3 * f(a) ** 2 * f(b) * f(a + c), (a, b, c))
    assert const == 3
    assert groups == [((a, c), f(a) ** 2 * f(a + c)), ((b,), f(b))]


def test_builder_variant_and_errors():
    eta = field_symbol("h")
    with pytest.raises(ValueError, match="undeclared"):
        unit_model("bad", "", (h,), (-h + eta + sp.Symbol("q"),), {"h": phi(h)}, (), ())
    with pytest.raises(ValueError, match="output_gate"):
        gated_model(output_gate="sideways")
    with pytest.raises(ValueError, match="activation"):
        gated_model(activation="swish")
    post = gated_model(output_gate="postsynaptic")
    assert post.name == "gated_postsynaptic"
    assert static_mft.fixed_point(post)[h] == sigma_r(sp.Symbol("I_r", real=True) + field_symbol("r")) * eta + sp.Symbol("I_h", real=True)
    with pytest.raises(static_mft.NoExplicitFixedPoint):
        static_mft.fixed_point(unit_model("implicit", "", (h,), (-h + phi(h) * eta,), {"h": phi(h)},
                                          (gated_model().nonlinearities[0],), ()))
    assert alpha_r in gated_model().parameters and beta_r in gated_model().parameters
    assert tau_r.is_positive and z.is_real
