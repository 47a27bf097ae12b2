"""Shared test settings: one BLAS thread for the session, and the in-process CLI runner.

The tests use small matrices, for which multithreaded BLAS only adds synchronisation cost and,
on a busy 2-core machine, can be 10-100x slower (DESIGN.md, pitfalls). Results do not depend on it.
"""

import pytest
from threadpoolctl import threadpool_limits

from theory.cli import main


@pytest.fixture(scope="session", autouse=True)
def single_blas_thread():
    with threadpool_limits(limits=1):
        yield


@pytest.fixture
def run_cli(capsys):
    """Run ``python -m theory`` in-process: ``run_cli(*argv) -> (exit code, stdout, stderr)``."""

    def run(*argv):
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run
