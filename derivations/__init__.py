"""Symbolic derivation layer (SymPy only): one per-unit model, every equation derived from it.

``python -m derivations`` writes ``theory/_generated/<model>_{numpy,mpmath}.py`` and
``derivations/equations/<model>.md``; ``--check`` fails if they are stale. Modules, in order:
model (the builder), functions (stable elementary functions), vector_field, jacobian,
static_mft, spectral, dmft, tangent, adjoint; averages and display support them; codegen,
equations_md and build produce the files; benchmark compares against plain lambdify.
"""
