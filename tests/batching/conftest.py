"""Fixtures for the batching tests."""

import asyncio
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
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


@pytest.fixture(autouse=True)
def siblings_importable(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """App modules import their sibling class modules, as they do when uvicorn runs them."""
    monkeypatch.syspath_prepend(str(Path(__file__).parents[2] / "snippets" / "batching"))
    yield
    for name in ("debouncer", "batch_writer"):
        sys.modules.pop(name, None)
