"""A full server answers 503 at once: the app-level limiter and uvicorn's --limit-concurrency."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest


class Gate:
    """Replaces the handler's work: requests enter and stay until the test opens the gate."""

    def __init__(self) -> None:
        self.open = threading.Event()  # the server runs in another thread, with its own loop
        self.entered = 0

    async def work(self) -> None:
        self.entered += 1
        await asyncio.to_thread(self.open.wait)


@pytest.fixture
def gated(load_snippet, monkeypatch):
    def load(**env: str):
        overload = load_snippet("running/overload.py", **env)
        gate = Gate()
        monkeypatch.setattr(overload, "do_work", gate.work)
        return overload, gate

    return load


async def fill(client: httpx.AsyncClient, gate: Gate, count: int, eventually) -> list[asyncio.Task]:
    """Start `count` requests and wait until all of them are inside the handler."""
    tasks = [asyncio.create_task(client.get("/work")) for _ in range(count)]

    async def all_inside() -> bool:
        return gate.entered == count

    await eventually(all_inside, f"{count} requests inside the handler")
    return tasks


async def test_the_app_limiter_answers_503_at_once_when_full_and_recovers(gated, live_server, eventually):
    overload, gate = gated(MAX_IN_FLIGHT="3")
    url = live_server(overload.app)
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        in_flight = await fill(client, gate, 3, eventually)

        rejected = await client.get("/work")  # answered while the gate is still closed
        assert rejected.status_code == 503
        assert rejected.headers["retry-after"] == "1"
        assert (await client.get("/livez")).status_code == 200  # probes are exempt
        assert gate.entered == 3 and not any(task.done() for task in in_flight)

        gate.open.set()
        assert [response.status_code for response in await asyncio.gather(*in_flight)] == [200] * 3
        assert (await client.get("/work")).status_code == 200  # capacity is back


async def test_uvicorn_limit_concurrency_counts_open_connections_even_idle_ones(
    gated, live_server, eventually
):
    overload, gate = gated()
    url = live_server(overload.app, limit_concurrency=4)

    async def status_from_a_new_connection() -> int:
        async with httpx.AsyncClient(base_url=url, timeout=30) as other:
            response = await other.get("/livez")  # even the exempt probe: uvicorn answers first
            if response.status_code == 503:
                assert response.text == "Service Unavailable"  # plain text, not the API's format
            return response.status_code

    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        in_flight = await fill(client, gate, 3, eventually)
        # The 4th connection reaches the limit: uvicorn answers 503 itself, before the app.
        assert await status_from_a_new_connection() == 503
        gate.open.set()
        assert [response.status_code for response in await asyncio.gather(*in_flight)] == [200] * 3
        # Nothing is in flight, but the client keeps 3 idle keep-alive connections: still full.
        assert await status_from_a_new_connection() == 503

    async def accepted_again() -> bool:
        return await status_from_a_new_connection() == 200

    await eventually(accepted_again, "a new connection is served once the idle ones closed")
