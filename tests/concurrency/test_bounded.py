"""snippets/concurrency/bounded.py: a Semaphore caps the calls in flight; failures become null."""

import asyncio

import pytest
from upstream_server import Reply

SKUS = [f"sku{number}" for number in range(12)]


@pytest.fixture
def load_app(load_snippet, upstream):
    def load(**env):
        return load_snippet("concurrency/bounded.py", PRICES_URL=upstream.url, MAX_IN_FLIGHT="3", **env).app

    return load


def price_of(request):
    return Reply(body={"price": float(request.path.removeprefix("/prices/sku"))})


async def test_never_more_than_the_bound_in_flight(load_app, upstream, asgi_client):
    release = asyncio.Event()
    upstream.handler = lambda request: Reply(body={"price": 1.5}, gate=release)
    async with asgi_client(load_app()) as client:
        response = asyncio.create_task(client.get("/prices", params={"sku": SKUS}))
        await upstream.wait_until(lambda: upstream.in_flight == 3)  # the bound is reached...
        for _ in range(20):
            await asyncio.sleep(0)  # ...and the other calls stay queued while the loop turns
        assert len(upstream.received) == 3
        release.set()
        assert (await response).json() == dict.fromkeys(SKUS, 1.5)
    assert upstream.max_in_flight == 3
    assert len(upstream.answered) == len(SKUS)


async def test_failed_items_are_null_and_the_rest_still_arrive(load_app, upstream, asgi_client):
    upstream.handler = price_of
    upstream.replies["/prices/sku3"] = Reply(status=500)
    upstream.replies["/prices/sku7"] = Reply(drop=True)
    async with asgi_client(load_app()) as client:
        response = await client.get("/prices", params={"sku": SKUS})
    expected = {sku: float(sku.removeprefix("sku")) for sku in SKUS} | {"sku3": None, "sku7": None}
    assert response.status_code == 200
    assert response.json() == expected


async def test_deadline_answers_504_and_cancels_queued_and_open_calls(load_app, upstream, asgi_client):
    upstream.handler = lambda request: Reply(gate=asyncio.Event())  # never answers
    async with asgi_client(load_app(DEADLINE_SECONDS="0.2")) as client:
        response = await client.get("/prices", params={"sku": SKUS})
        assert response.status_code == 504
        await upstream.wait_until(lambda: len(upstream.abandoned) == 3 and upstream.in_flight == 0)
    assert len(upstream.received) == 3  # the queued nine never started


@pytest.mark.parametrize(
    "skus", [[f"sku{n}" for n in range(101)], ["sku1", "../admin"], ["sku1", ""], ["x" * 33]]
)
async def test_too_many_or_malformed_items_is_a_422_before_any_call(load_app, upstream, asgi_client, skus):
    async with asgi_client(load_app()) as client:
        response = await client.get("/prices", params={"sku": skus})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:2] == ["query", "sku"]
    assert upstream.received == []
