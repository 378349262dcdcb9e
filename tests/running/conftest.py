"""Helpers for the running topic: poll a condition, read JSON from a live server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

PATIENCE = 20.0  # generous: the machine is shared and noisy


async def _eventually(check: Callable[[], Awaitable[bool]], what: str, patience: float = PATIENCE) -> None:
    """Poll `check` until it is true; fail with `what` if it never becomes true."""
    deadline = time.monotonic() + patience
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        await asyncio.sleep(0.05)


async def _get_json(url: str) -> Any:
    async with httpx.AsyncClient(timeout=PATIENCE) as client:
        response = await client.get(url)
        response.raise_for_status()
        return response.json()


@pytest.fixture
def eventually() -> Callable[..., Awaitable[None]]:
    """`await eventually(check, "what")`: poll an async predicate with generous patience."""
    return _eventually


@pytest.fixture
def get_json() -> Callable[[str], Awaitable[Any]]:
    """`await get_json(url)`: GET a URL and return the decoded JSON body (raises on 4xx/5xx)."""
    return _get_json
