"""Fixtures for the batching tests."""

import asyncio
from collections.abc import Callable
from typing import Any

import pytest


async def _until(condition: Callable[[], Any], seconds: float = 20) -> None:
    """Wait until condition() (sync or async) holds; fail, never hang, if it does not in time."""
    async with asyncio.timeout(seconds):
        while True:
            result = condition()
            if asyncio.iscoroutine(result):
                result = await result
            if result:
                return
            await asyncio.sleep(0.01)


@pytest.fixture
def until() -> Callable[..., Any]:
    return _until
