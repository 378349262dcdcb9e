import asyncio

import httpx
import pytest


@pytest.fixture
def gated_app(load_snippet, gate):
    module = load_snippet("async_vs_sync/handlers.py")
    module.fetch_report_blocking = gate.blocking
    module.fetch_report_async = gate.awaitable
    return module.app


@pytest.mark.parametrize("path", ["/async", "/sync", "/mixed"])
async def test_slow_call_does_not_hold_up_other_requests(gated_app, live_server, gate, path):
    url = live_server(gated_app)
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        report = asyncio.create_task(client.get(path))
        await gate.wait_for_in_flight(1)

        health = await client.get("/health")  # answered while the slow call is still held
        assert health.json() == {"status": "ok"}
        assert gate.in_flight == 1 and not report.done()

        gate.release.set()
        assert (await report).json() == {"report": "ready"}


async def test_awaited_calls_overlap_without_threads(gated_app, asgi_client, gate):
    async with asgi_client(gated_app) as client:
        requests = [asyncio.create_task(client.get("/async")) for _ in range(100)]
        await gate.wait_for_in_flight(100)  # all 100 wait at once on one thread
        gate.release.set()
        responses = await asyncio.gather(*requests)
    assert gate.max_in_flight == 100
    assert [r.json() for r in responses] == [{"report": "ready"}] * 100


async def test_sync_endpoints_run_at_most_40_at_once_by_default(gated_app, asgi_client, gate):
    async with asgi_client(gated_app) as client:
        requests = [asyncio.create_task(client.get("/sync")) for _ in range(45)]
        await gate.wait_for_in_flight(40)
        await asyncio.sleep(0.2)  # give the other 5 every chance to start; they must queue
        assert gate.max_in_flight == 40
        gate.release.set()
        assert all(r.status_code == 200 for r in await asyncio.gather(*requests))
