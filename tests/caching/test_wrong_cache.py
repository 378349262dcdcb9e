import asyncio

import pytest

CONCURRENT = 10


@pytest.fixture
def wrong_module(load_snippet, redis_url):
    return load_snippet("caching/wrong_cache.py", REDIS_URL=redis_url)


@pytest.mark.parametrize("value", [0, 2])
async def test_truthy_check_recomputes_a_cached_zero(wrong_module, asgi_client, monkeypatch, gated, value):
    compute = gated(result=value)
    compute.release()
    monkeypatch.setattr(wrong_module, "count_unread", compute)
    async with asgi_client(wrong_module.app) as client:
        for _ in range(3):
            assert (await client.get("/users/1/unread")).json() == {"unread": value}
    assert compute.calls == (3 if value == 0 else 1)  # a truthy value is cached; 0 never is


async def test_concurrent_misses_all_compute(wrong_module, asgi_client, monkeypatch, gated, eventually):
    compute = gated(result=7)
    monkeypatch.setattr(wrong_module, "count_unread", compute)
    async with asgi_client(wrong_module.app) as client:
        requests = [asyncio.create_task(client.get("/users/1/unread")) for _ in range(CONCURRENT)]
        await eventually(lambda: compute.calls == CONCURRENT)  # ten misses, ten computations at once
        compute.release()
        responses = await asyncio.gather(*requests)
    assert {r.json()["unread"] for r in responses} == {7}
