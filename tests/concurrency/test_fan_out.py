"""snippets/concurrency/fan_out.py: parallel upstream calls, all required or partly optional."""

import asyncio

import httpx
import pytest
from upstream_server import Reply

PROFILE = {"name": "Ada"}
ORDERS = [{"id": 7}]
PICKS = [{"sku": "pen"}]


@pytest.fixture
def load_app(load_snippet, upstream):
    def load(**env):
        urls = {name: upstream.url for name in ("USERS_URL", "ORDERS_URL", "PICKS_URL")}
        return load_snippet("concurrency/fan_out.py", **urls, **env).app

    return load


async def test_required_parts_are_fetched_at_the_same_time(load_app, upstream, asgi_client):
    release = asyncio.Event()
    upstream.replies["/users/1"] = Reply(body=PROFILE, gate=release)
    upstream.replies["/orders/1"] = Reply(body=ORDERS, gate=release)
    async with asgi_client(load_app()) as client:
        response = asyncio.create_task(client.get("/dashboard/1"))
        await upstream.wait_until(lambda: upstream.in_flight == 2)  # both calls open at once
        release.set()
        assert (await response).json() == {"profile": PROFILE, "orders": ORDERS}


async def test_one_failure_cancels_the_other_call_and_answers_502(load_app, upstream, asgi_client):
    fail_now = asyncio.Event()
    upstream.replies["/users/1"] = Reply(status=500, gate=fail_now)
    upstream.replies["/orders/1"] = Reply(gate=asyncio.Event())  # would never answer
    async with asgi_client(load_app()) as client:
        response = asyncio.create_task(client.get("/dashboard/1"))
        await upstream.wait_until(lambda: upstream.in_flight == 2)
        fail_now.set()
        assert (await response).status_code == 502
        await upstream.wait_until(lambda: upstream.abandoned == ["/orders/1"] and upstream.in_flight == 0)


async def test_a_dropped_connection_is_an_upstream_failure(load_app, upstream, asgi_client):
    upstream.replies["/orders/1"] = Reply(drop=True)
    async with asgi_client(load_app()) as client:
        response = await client.get("/dashboard/1")
    assert response.status_code == 502
    assert response.json() == {"detail": "upstream failed"}


async def test_deadline_answers_504_and_leaves_nothing_in_flight(load_app, upstream, asgi_client):
    upstream.replies["/users/1"] = Reply(body=PROFILE)
    upstream.replies["/orders/1"] = Reply(gate=asyncio.Event())  # never answers
    async with asgi_client(load_app(DEADLINE_SECONDS="0.2")) as client:
        response = await client.get("/dashboard/1")
        assert response.status_code == 504
        await upstream.wait_until(lambda: "/orders/1" in upstream.abandoned and upstream.in_flight == 0)


async def test_optional_part_is_included_when_it_answers(load_app, upstream, asgi_client):
    upstream.replies["/users/1"] = Reply(body=PROFILE)
    upstream.replies["/picks/1"] = Reply(body=PICKS)
    async with asgi_client(load_app()) as client:
        response = await client.get("/home/1")
    assert response.json() == {"profile": PROFILE, "picks": PICKS}


async def test_late_optional_part_is_null_and_its_call_is_cancelled(load_app, upstream, asgi_client):
    upstream.replies["/users/1"] = Reply(body=PROFILE)
    upstream.replies["/picks/1"] = Reply(gate=asyncio.Event())  # never answers
    async with asgi_client(load_app(OPTIONAL_SECONDS="0.1")) as client:
        response = await client.get("/home/1")
        assert response.status_code == 200
        assert response.json() == {"profile": PROFILE, "picks": None}
        await upstream.wait_until(lambda: upstream.abandoned == ["/picks/1"] and upstream.in_flight == 0)


async def test_failed_optional_part_is_null(load_app, upstream, asgi_client):
    upstream.replies["/users/1"] = Reply(body=PROFILE)
    upstream.replies["/picks/1"] = Reply(status=503)
    async with asgi_client(load_app()) as client:
        response = await client.get("/home/1")
    assert response.status_code == 200
    assert response.json() == {"profile": PROFILE, "picks": None}


@pytest.mark.parametrize("body", [["not", "an", "object"], "plain text"])
async def test_malformed_required_part_is_a_502(load_app, upstream, asgi_client, body):
    upstream.replies["/users/1"] = Reply(body=body)
    upstream.replies["/orders/1"] = Reply(body=ORDERS)
    async with asgi_client(load_app()) as client:
        response = await client.get("/dashboard/1")
    assert (response.status_code, response.json()) == (502, {"detail": "upstream failed"})


async def test_malformed_optional_part_is_null(load_app, upstream, asgi_client):
    upstream.replies["/users/1"] = Reply(body=PROFILE)
    upstream.replies["/picks/1"] = Reply(body={"sku": "pen"})  # an object where a list belongs
    async with asgi_client(load_app()) as client:
        response = await client.get("/home/1")
    assert response.status_code == 200
    assert response.json() == {"profile": PROFILE, "picks": None}


async def test_failed_required_part_still_fails_the_page(load_app, upstream, asgi_client):
    upstream.replies["/users/1"] = Reply(status=500)
    upstream.replies["/picks/1"] = Reply(body=PICKS)
    async with asgi_client(load_app()) as client:
        response = await client.get("/home/1")
    assert (response.status_code, response.json()) == (502, {"detail": "upstream failed"})


async def test_httpx_timeout_limits_each_read_not_the_whole_call(upstream):
    """Why the snippets add asyncio.timeout: a slow trickle never trips httpx's read timeout."""
    upstream.replies["/slow"] = Reply(body="x" * 20, trickle=0.05)  # 22 bytes: at least 1.05 s in all
    async with httpx.AsyncClient(timeout=httpx.Timeout(0.5)) as http:
        response = await http.get(f"{upstream.url}/slow")
        assert response.json() == "x" * 20
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.5):
                await http.get(f"{upstream.url}/slow")


async def test_plain_gather_leaves_the_other_call_running(upstream):
    """Why all-required parts use a TaskGroup: gather() without it does not cancel the sibling."""
    fail_now = asyncio.Event()
    upstream.replies["/fails"] = Reply(status=500, gate=fail_now)
    upstream.replies["/slow"] = Reply(gate=asyncio.Event())  # never answers

    async def get(http, path):
        (await http.get(f"{upstream.url}{path}")).raise_for_status()

    async with httpx.AsyncClient(timeout=10) as http:
        slow = asyncio.ensure_future(get(http, "/slow"))
        gathered = asyncio.gather(get(http, "/fails"), slow)
        await upstream.wait_until(lambda: upstream.in_flight == 2)
        fail_now.set()
        with pytest.raises(httpx.HTTPStatusError):
            await gathered
        await asyncio.sleep(0.2)  # room for a cancellation that never comes
        assert not slow.done()
        assert upstream.in_flight == 1
        slow.cancel()
        await asyncio.gather(slow, return_exceptions=True)
