"""Fixtures for the tests of main.py."""

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from harness import in_process_client, serve
from main import API_TOKEN, app

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


# region fixtures
@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with in_process_client(app, headers=AUTH) as client:
        yield client


@pytest.fixture
async def live_url() -> AsyncIterator[str]:
    async with serve(app) as url:
        yield url


@pytest.fixture(autouse=True)
def clear_overrides() -> Iterator[None]:
    yield
    app.dependency_overrides.clear()  # an override must never leak into the next test


# endregion fixtures
