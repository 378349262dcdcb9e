"""MongoDB topic fixtures: a private wire server a test may stop, and a dead address."""

from collections.abc import Iterator

import pytest
import servers


@pytest.fixture
def private_mongo() -> Iterator[tuple[str, "servers.contextlib.ExitStack"]]:
    """A MongoDB wire server of this test's own (Python 3.13 only), and the stack that stops it."""
    stack = servers.contextlib.ExitStack()
    try:
        url = stack.enter_context(servers.mongo())
    except servers.Unavailable as reason:
        pytest.skip(str(reason))
    with stack:
        yield url, stack


@pytest.fixture
def dead_mongo_url() -> str:
    """A MongoDB URL where nothing listens."""
    return f"mongodb://127.0.0.1:{servers.free_port()}/?directConnection=true"
