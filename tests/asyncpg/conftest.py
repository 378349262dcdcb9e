"""Topic fixtures: reach the objects an app's lifespan yielded (its pool, its sessionmaker)."""

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest


@pytest.fixture
def lifespan_state() -> Callable[[Any], dict[str, Any]]:
    """`state = lifespan_state(app)` before the app starts; `state` fills with what its lifespan yields."""

    def capture(app: Any) -> dict[str, Any]:
        state: dict[str, Any] = {}
        original = app.router.lifespan_context

        @contextlib.asynccontextmanager
        async def recording(app: Any) -> AsyncIterator[Any]:
            async with original(app) as yielded:
                state.update(yielded)
                yield yielded

        app.router.lifespan_context = recording
        return state

    return capture
