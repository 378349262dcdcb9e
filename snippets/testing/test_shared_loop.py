"""One app and lifespan for the whole module: the fixture and the tests must share one event loop."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from harness import in_process_client
from main import API_TOKEN, app

# region shared-loop
pytestmark = pytest.mark.asyncio(loop_scope="module")  # every test here runs on the module's loop


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_client() -> AsyncIterator[tuple[httpx.AsyncClient, asyncio.AbstractEventLoop]]:
    async with in_process_client(app, headers={"Authorization": f"Bearer {API_TOKEN}"}) as client:
        yield client, asyncio.get_running_loop()


async def test_the_fixture_and_the_test_share_a_loop(
    shared_client: tuple[httpx.AsyncClient, asyncio.AbstractEventLoop],
) -> None:
    client, fixture_loop = shared_client
    assert asyncio.get_running_loop() is fixture_loop
    assert (await client.get("/prices")).status_code == 422


# endregion shared-loop
