"""snippets/concurrency/first_success.py: race mirrors, first success wins, losers cancelled."""

import asyncio

import pytest
from upstream_server import Reply

MIRRORS = ("a", "b", "c")


@pytest.fixture
def load_app(load_snippet, upstream):
    def load(**env):
        mirrors = ",".join(f"{upstream.url}/{name}" for name in MIRRORS)
        return load_snippet("concurrency/first_success.py", MIRROR_URLS=mirrors, **env).app

    return load


def rate(value):
    return {"currency": "EUR", "rate": value}


async def test_first_success_wins_and_the_losers_are_cancelled(load_app, upstream, asgi_client):
    release_b = asyncio.Event()
    upstream.replies["/a/rates/EUR"] = Reply(body=rate(1.0), gate=asyncio.Event())
    upstream.replies["/b/rates/EUR"] = Reply(body=rate(2.0), gate=release_b)
    upstream.replies["/c/rates/EUR"] = Reply(body=rate(3.0), gate=asyncio.Event())
    async with asgi_client(load_app()) as client:
        response = asyncio.create_task(client.get("/rates/EUR"))
        await upstream.wait_until(lambda: upstream.in_flight == 3)
        release_b.set()
        assert (await response).json() == rate(2.0)
        await upstream.wait_until(lambda: upstream.in_flight == 0)
    assert sorted(upstream.abandoned) == ["/a/rates/EUR", "/c/rates/EUR"]


async def test_a_failure_that_finishes_first_is_skipped(load_app, upstream, asgi_client):
    fail_a, release_b = asyncio.Event(), asyncio.Event()
    upstream.replies["/a/rates/EUR"] = Reply(status=500, gate=fail_a)
    upstream.replies["/b/rates/EUR"] = Reply(body=rate(2.0), gate=release_b)
    upstream.replies["/c/rates/EUR"] = Reply(gate=asyncio.Event())
    async with asgi_client(load_app()) as client:
        response = asyncio.create_task(client.get("/rates/EUR"))
        await upstream.wait_until(lambda: upstream.in_flight == 3)
        fail_a.set()
        await upstream.wait_until(lambda: upstream.answered == ["/a/rates/EUR"])
        release_b.set()
        assert (await response).json() == rate(2.0)
        await upstream.wait_until(lambda: upstream.abandoned == ["/c/rates/EUR"] and upstream.in_flight == 0)


async def test_every_mirror_failing_answers_502(load_app, upstream, asgi_client):
    upstream.replies["/a/rates/EUR"] = Reply(status=500)
    upstream.replies["/b/rates/EUR"] = Reply(status=404)
    upstream.replies["/c/rates/EUR"] = Reply(drop=True)
    async with asgi_client(load_app()) as client:
        response = await client.get("/rates/EUR")
    assert response.status_code == 502
    assert len(upstream.received) == 3


async def test_a_malformed_answer_is_skipped_and_all_malformed_answers_502(load_app, upstream, asgi_client):
    upstream.replies["/a/rates/EUR"] = Reply(body={"currency": "EUR"})  # no rate
    upstream.replies["/b/rates/EUR"] = Reply(body=None)  # some other JSON
    upstream.replies["/c/rates/EUR"] = Reply(body=rate(3.0))
    async with asgi_client(load_app()) as client:
        assert (await client.get("/rates/EUR")).json() == rate(3.0)
        upstream.replies["/c/rates/EUR"] = Reply(body=[1, 2])
        assert (await client.get("/rates/EUR")).status_code == 502


@pytest.mark.parametrize("currency", ["eur", "EURO", "E1R"])
async def test_a_currency_that_is_not_three_capitals_is_a_422_and_asks_no_mirror(
    load_app, upstream, asgi_client, currency
):
    async with asgi_client(load_app()) as client:
        response = await client.get(f"/rates/{currency}")
    assert response.status_code == 422
    assert upstream.received == []


async def test_no_answer_before_the_deadline_answers_504_and_cancels_all(load_app, upstream, asgi_client):
    for name in MIRRORS:
        upstream.replies[f"/{name}/rates/EUR"] = Reply(gate=asyncio.Event())
    async with asgi_client(load_app(DEADLINE_SECONDS="0.2")) as client:
        response = await client.get("/rates/EUR")
        assert response.status_code == 504
        await upstream.wait_until(lambda: len(upstream.abandoned) == 3 and upstream.in_flight == 0)
