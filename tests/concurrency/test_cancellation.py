"""snippets/concurrency/cancellation.py and wrong_ignores_disconnect.py, served by a real uvicorn."""

import asyncio

import httpx
import pytest
from upstream_server import Reply


async def disconnect_while_in_flight(url, upstream):
    """Send GET /reports/1, wait until the upstream holds the call, then drop the connection."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        request = asyncio.create_task(client.get("/reports/1"))
        await upstream.wait_until(lambda: upstream.in_flight == 1)
        request.cancel()  # httpx closes the connection of a cancelled request
        await asyncio.gather(request, return_exceptions=True)


async def test_client_disconnect_cancels_the_upstream_call(load_snippet, upstream, live_server):
    upstream.replies["/reports/1"] = Reply(body={"rows": 1}, gate=asyncio.Event())  # never answers
    url = live_server(load_snippet("concurrency/cancellation.py", REPORTS_URL=upstream.url).app)
    await disconnect_while_in_flight(url, upstream)
    await upstream.wait_until(lambda: upstream.abandoned == ["/reports/1"] and upstream.in_flight == 0)


async def test_report_is_returned_when_the_client_waits(load_snippet, upstream, live_server):
    upstream.replies["/reports/1"] = Reply(body={"rows": 1})
    url = live_server(load_snippet("concurrency/cancellation.py", REPORTS_URL=upstream.url).app)
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        assert (await client.get("/reports/1")).json() == {"rows": 1}


async def test_deadline_cancels_the_upstream_call_and_answers_504(load_snippet, upstream, live_server):
    upstream.replies["/reports/1"] = Reply(gate=asyncio.Event())
    module = load_snippet("concurrency/cancellation.py", REPORTS_URL=upstream.url, DEADLINE_SECONDS="0.2")
    async with httpx.AsyncClient(base_url=live_server(module.app), timeout=30) as client:
        assert (await client.get("/reports/1")).status_code == 504
    await upstream.wait_until(lambda: upstream.abandoned == ["/reports/1"] and upstream.in_flight == 0)


@pytest.mark.parametrize("reply", [Reply(status=500), Reply(body=["not", "an", "object"])])
async def test_upstream_error_or_malformed_report_answers_502(load_snippet, upstream, live_server, reply):
    upstream.replies["/reports/1"] = reply
    url = live_server(load_snippet("concurrency/cancellation.py", REPORTS_URL=upstream.url).app)
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        response = await client.get("/reports/1")
    assert (response.status_code, response.json()) == (502, {"detail": "report service failed"})


async def test_without_a_watcher_the_call_outlives_the_client(load_snippet, upstream, live_server):
    release = asyncio.Event()
    upstream.replies["/reports/1"] = Reply(body={"rows": 1}, gate=release)
    url = live_server(load_snippet("concurrency/wrong_ignores_disconnect.py", REPORTS_URL=upstream.url).app)
    await disconnect_while_in_flight(url, upstream)
    await asyncio.sleep(0.5)  # room for a cancellation that never comes (the assertion cannot flake)
    assert upstream.in_flight == 1
    release.set()
    await upstream.wait_until(lambda: upstream.answered == ["/reports/1"])  # computed for nobody
    assert upstream.abandoned == []
