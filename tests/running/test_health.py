"""Liveness stays 200 while the database is down or hanging; readiness answers 503 within its timeout."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import pytest
import servers


@pytest.fixture
def hanging_database_url() -> Iterator[str]:
    """A port that accepts TCP connections and never says a word, like a database that froze."""
    with socket.socket() as listener:
        listener.bind((servers.HOST, 0))
        listener.listen(16)  # the kernel completes the handshakes; nobody ever reads
        yield f"postgresql://postgres@{servers.HOST}:{listener.getsockname()[1]}/app"


async def test_ready_and_alive_with_the_database_up(database_url, load_snippet, asgi_client):
    health = load_snippet("running/health.py", DATABASE_URL=database_url)
    async with asgi_client(health.app) as client:
        ready = await client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ready", "database": "ok"}
        assert (await client.get("/livez")).json() == {"status": "alive"}


async def test_a_refused_database_makes_readiness_503_and_leaves_liveness_200(load_snippet, asgi_client):
    refused = f"postgresql://postgres@{servers.HOST}:{servers.free_port()}/app"  # nothing listens
    health = load_snippet("running/health.py", DATABASE_URL=refused)
    async with asgi_client(health.app) as client:
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["status"] == "unavailable"
        assert (await client.get("/livez")).status_code == 200


async def test_a_hanging_database_makes_readiness_time_out_while_liveness_answers(
    hanging_database_url, load_snippet, asgi_client
):
    # The engine's own connect timeout is 10 s and the test gives up after 5 s: only the
    # readiness timeout (0.5 s) can produce an answer in between.
    health = load_snippet("running/health.py", DATABASE_URL=hanging_database_url, READY_TIMEOUT_SECONDS="0.5")
    async with asgi_client(health.app) as client:
        finished: list[str] = []

        async def probe(path: str):
            response = await client.get(path)
            finished.append(path)
            return response

        async with asyncio.timeout(5):
            ready, alive = await asyncio.gather(probe("/readyz"), probe("/livez"))
        assert ready.status_code == 503
        assert ready.json() == {"status": "unavailable", "database": "TimeoutError"}
        assert alive.status_code == 200
        assert finished == ["/livez", "/readyz"]  # liveness never waited for the database
