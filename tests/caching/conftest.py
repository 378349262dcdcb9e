"""Fixtures for the caching tests: a computation the test counts and releases."""

import asyncio
from collections.abc import Callable
from typing import Any

import pytest


class GatedComputation:
    """Counts its calls and blocks each one until the test calls release()."""

    def __init__(self, result: Any = 7) -> None:
        self.result = result
        self.calls = 0
        self._released = asyncio.Event()

    async def __call__(self, *args: Any) -> Any:
        self.calls += 1
        await self._released.wait()
        if isinstance(self.result, Exception):
            raise self.result
        return self.result

    def release(self) -> None:
        self._released.set()


async def _until(condition: Callable[[], bool], seconds: float = 20) -> None:
    """Wait until condition() holds; fail (never hang) if it does not within the timeout."""
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.005)


@pytest.fixture
def gated() -> type[GatedComputation]:
    return GatedComputation


@pytest.fixture
def until() -> Callable[..., Any]:
    return _until
