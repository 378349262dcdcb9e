"""MongoDB topic fixtures: a private wire server a test may stop, a dead address, and cleanup of
what the drivers leave behind when the server is gone."""

import contextlib
import gc
import warnings
from collections.abc import Iterator

import pytest
import servers


def reap_orphaned_driver_sockets() -> None:
    """PyMongo 4.20's async client can orphan a socket when close() cancels a connect attempt to a
    dead server (mongodb/mongo-python-driver#2858, PYTHON-5867); the garbage collector closes it
    with a ResourceWarning. Collect it here, quietly, instead of in a random later test."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "unclosed <socket.socket", ResourceWarning)
        gc.collect()


@pytest.fixture
def private_mongo() -> Iterator[tuple[str, contextlib.ExitStack]]:
    """A MongoDB wire server of this test's own (Python 3.13 only), and the stack that stops it."""
    stack = contextlib.ExitStack()
    try:
        url = stack.enter_context(servers.mongo())
    except servers.Unavailable as reason:
        pytest.skip(str(reason))
    with stack:
        yield url, stack
    reap_orphaned_driver_sockets()


@pytest.fixture
def dead_mongo_url() -> Iterator[str]:
    """A MongoDB URL where nothing listens."""
    yield f"mongodb://127.0.0.1:{servers.free_port()}/?directConnection=true"
    reap_orphaned_driver_sockets()


@pytest.fixture(scope="session", autouse=True)
def motor_thread_pool_stopped() -> Iterator[None]:
    """Motor runs PyMongo's blocking calls on one process-wide thread pool that outlives every
    client; stop it after the session so the harness's thread check sees only real leaks."""
    yield
    import motor.frameworks.asyncio

    motor.frameworks.asyncio._EXECUTOR.shutdown(wait=True)
