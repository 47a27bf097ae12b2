"""Timing benchmarks of the workbench, run side by side in one process (DESIGN.md, Performance).

Run from the repository root::

    python -m benchmarks            # full sizes
    python -m benchmarks --quick    # short run
    python -m benchmarks --only network_step

Each module of this package that is not infrastructure (``registry``, ``timing``, ``machine``,
``report``, ``cli``) holds one concept and registers its functions with
:func:`benchmarks.registry.benchmark`; a new benchmark is a new module, nothing else to edit.
The table is printed and saved to ``reports/benchmarks.md``. Benchmarks are never timed tests:
CI only checks that the harness runs and produces a well-formed table.
"""
