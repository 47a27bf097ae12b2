"""Test-session settings: one BLAS thread.

The tests use small matrices, for which multithreaded BLAS only adds synchronisation cost and,
on a busy 2-core machine, can be 10-100x slower (DESIGN.md, pitfalls). Results do not depend on it.
"""

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(scope="session", autouse=True)
def single_blas_thread():
    with threadpool_limits(limits=1):
        yield
