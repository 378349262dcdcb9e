"""Prove concurrency by structure, and a real local upstream for what a mock cannot fake."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import main
import pytest
from fastapi import FastAPI
from harness import in_process_client, serve
from main import app, get_http

SYMBOLS = ["A", "B", "C", "D"]


# region barrier
async def test_the_symbols_are_fetched_concurrently(client: httpx.AsyncClient) -> None:
    in_flight, peak = 0, 0
    all_arrived = asyncio.Event()

    async def price_service(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        if in_flight == len(SYMBOLS):
            all_arrived.set()
        await all_arrived.wait()  # no call answers until every call is in flight: serial code stalls here
        in_flight -= 1
        return httpx.Response(200, json={"price": 1.0})

    async with httpx.AsyncClient(transport=httpx.MockTransport(price_service), base_url="http://t") as http:
        app.dependency_overrides[get_http] = lambda: http
        async with asyncio.timeout(10):  # turns a stall into a failure; not a measurement
            response = await client.get("/prices", params={"symbols": SYMBOLS})
    assert response.json() == dict.fromkeys(SYMBOLS, 1.0)
    assert peak == len(SYMBOLS)


# endregion barrier


# region real-upstream
@pytest.fixture
async def silent_upstream() -> AsyncIterator[str]:
    """A real server whose price endpoint answers only when the test is over."""
    released = asyncio.Event()
    upstream = FastAPI()

    @upstream.get("/prices/{symbol}")
    async def never_in_time(symbol: str) -> dict[str, float]:
        await released.wait()
        return {"price": 1.0}

    async with serve(upstream) as url:
        yield url
        released.set()  # let the pending handler finish so the server stops cleanly


async def test_a_slow_price_service_answers_504(
    silent_upstream: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(main, "UPSTREAM_URL", silent_upstream)  # read by the lifespan at startup
    monkeypatch.setattr(main, "UPSTREAM_TIMEOUT", 0.2)
    async with in_process_client(app, headers={"Authorization": f"Bearer {main.API_TOKEN}"}) as client:
        response = await client.get("/prices", params={"symbols": ["ACME"]})
    assert response.status_code == 504


# endregion real-upstream
