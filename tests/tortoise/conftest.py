"""Tortoise topic fixtures: no Tortoise context may cross from one test into the next."""

from collections.abc import Iterator

import pytest
import tortoise.context


@pytest.fixture(autouse=True)
def no_tortoise_context_left() -> Iterator[None]:
    """RegisterTortoise publishes its context process-wide (so requests in other tasks find it) and
    only its shutdown removes it; a test that skips shutdown would hand its models and connections
    to the next one. Fail that test, and clear the context so the next one starts clean."""
    assert tortoise.context.get_current_context() is None, "a Tortoise context was already active"
    yield
    left = tortoise.context.get_current_context()
    tortoise.context._global_context = None
    assert left is None, "the test left a Tortoise context active (was the lifespan shut down?)"
