"""Helpers for the running topic: poll a condition, read JSON from a live server."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

PATIENCE = 20.0  # generous: the machine is shared and noisy


async def _get_json(url: str) -> Any:
    async with httpx.AsyncClient(timeout=PATIENCE) as client:
        response = await client.get(url)
        response.raise_for_status()
        return response.json()


@pytest.fixture
def get_json() -> Callable[[str], Awaitable[Any]]:
    """`await get_json(url)`: GET a URL and return the decoded JSON body (raises on 4xx/5xx)."""
    return _get_json
