import asyncio
import socket

import pytest
import redis.asyncio as redis
import servers

CONCURRENT = 20


@pytest.fixture
def cache_module(load_snippet, redis_url):
    return load_snippet("caching/cache.py", REDIS_URL=redis_url)


@pytest.mark.parametrize("value", [0, [], None, "", False, {}])
async def test_falsy_values_are_hits(cache_module, redis_url, value):
    calls = 0

    async def compute():
        nonlocal calls
        calls += 1
        return value

    async with redis.Redis.from_url(redis_url) as client:
        cache = cache_module.Cache(client, ttl_seconds=60)
        assert await cache.get_or_compute("k", compute) == value
        assert await cache.get_or_compute("k", compute) == value
        assert await cache.get("k") == value
        assert await cache.get("other") is cache_module.MISS
    assert calls == 1


async def test_cached_zero_is_served_without_recomputing(cache_module, asgi_client, monkeypatch, gated):
    compute = gated(result=0)
    compute.release()
    monkeypatch.setattr(cache_module, "count_unread", compute)
    async with asgi_client(cache_module.app) as client:
        first = await client.get("/users/1/unread")
        second = await client.get("/users/1/unread")
    assert first.json() == second.json() == {"unread": 0}
    assert compute.calls == 1


async def test_value_expires_after_its_ttl(cache_module, asgi_client, monkeypatch, redis_url, gated):
    compute = gated(result=3)
    compute.release()
    monkeypatch.setattr(cache_module, "count_unread", compute)
    async with asgi_client(cache_module.app) as client, redis.Redis.from_url(redis_url) as direct:
        await client.get("/users/1/unread")
        ttl_ms = await direct.pttl("unread:1")
        assert 0 < ttl_ms <= cache_module.CACHE_TTL_SECONDS * 1000
        await direct.pexpire("unread:1", 1)  # let it expire now instead of waiting a minute
        while await direct.exists("unread:1"):
            await asyncio.sleep(0.005)
        assert (await client.get("/users/1/unread")).json() == {"unread": 3}
    assert compute.calls == 2


async def test_concurrent_misses_compute_once(
    cache_module, asgi_client, monkeypatch, gated, eventually, count_reads
):
    compute = gated(result=7)
    monkeypatch.setattr(cache_module, "count_unread", compute)
    reads = count_reads(cache_module.Cache)
    async with asgi_client(cache_module.app) as client:
        requests = [asyncio.create_task(client.get("/users/1/unread")) for _ in range(CONCURRENT)]
        # every request missed and joined; the flight has started its computation
        await eventually(lambda: len(reads) == CONCURRENT and compute.calls >= 1)
        assert compute.calls == 1
        compute.release()
        responses = await asyncio.gather(*requests)
    assert [r.json() for r in responses] == [{"unread": 7}] * CONCURRENT
    assert compute.calls == 1


async def test_failed_computation_reaches_every_waiter_and_is_not_cached(
    cache_module, asgi_client, monkeypatch, redis_url, gated, eventually, count_reads
):
    failing = gated(result=cache_module.UpstreamError("down"))
    monkeypatch.setattr(cache_module, "count_unread", failing)
    reads = count_reads(cache_module.Cache)
    async with asgi_client(cache_module.app) as client, redis.Redis.from_url(redis_url) as direct:
        requests = [asyncio.create_task(client.get("/users/1/unread")) for _ in range(CONCURRENT)]
        await eventually(lambda: len(reads) == CONCURRENT)
        failing.release()
        async with asyncio.timeout(20):  # a waiter left hanging fails here instead of at the global timeout
            responses = await asyncio.gather(*requests)
        assert [r.status_code for r in responses] == [503] * CONCURRENT
        assert failing.calls == 1
        assert not await direct.exists("unread:1")

        recovered = gated(result=5)
        recovered.release()
        monkeypatch.setattr(cache_module, "count_unread", recovered)
        assert (await client.get("/users/1/unread")).json() == {"unread": 5}
    assert recovered.calls == 1


async def test_a_cancelled_caller_does_not_cancel_the_others(
    cache_module, redis_url, gated, eventually, count_reads
):
    compute = gated(result=9)
    reads = count_reads(cache_module.Cache)
    async with redis.Redis.from_url(redis_url) as client:
        cache = cache_module.Cache(client, ttl_seconds=60)
        leaver = asyncio.create_task(cache.get_or_compute("k", compute))
        stayer = asyncio.create_task(cache.get_or_compute("k", compute))
        await eventually(lambda: len(reads) == 2)
        leaver.cancel()  # a client that disconnected
        with pytest.raises(asyncio.CancelledError):
            await leaver
        compute.release()
        assert await stayer == 9
        assert await cache.get("k") == 9
    assert compute.calls == 1


async def test_shutdown_cancels_a_computation_nobody_waits_for(cache_module, redis_url, gated, eventually):
    compute = gated()
    async with redis.Redis.from_url(redis_url) as client:
        cache = cache_module.Cache(client, ttl_seconds=60)
        caller = asyncio.create_task(cache.get_or_compute("k", compute))
        await eventually(lambda: compute.calls == 1)
        caller.cancel()
        await asyncio.gather(caller, return_exceptions=True)
        flights = list(cache._flights.values())
        assert len(flights) == 1 and not flights[0].done()  # still running for nobody
        await cache.aclose()
        assert flights[0].cancelled()
        assert cache._flights == {}


async def test_a_redis_outage_degrades_to_computing(load_snippet, asgi_client, monkeypatch, gated):
    module = load_snippet("caching/cache.py", REDIS_URL=f"redis://127.0.0.1:{servers.free_port()}/0")
    compute = gated(result=4)
    compute.release()
    monkeypatch.setattr(module, "count_unread", compute)
    async with asgi_client(module.app) as client:
        responses = [await client.get("/users/1/unread") for _ in range(2)]
    assert [r.json() for r in responses] == [{"unread": 4}] * 2
    assert compute.calls == 2  # nothing could be cached, yet every request answered


async def test_a_redis_that_never_answers_costs_a_timeout_not_a_hang(
    load_snippet, asgi_client, monkeypatch, gated
):
    with socket.socket() as silent:  # accepts connections (kernel backlog) and never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        module = load_snippet("caching/cache.py", REDIS_URL=f"redis://127.0.0.1:{silent.getsockname()[1]}/0")
        compute = gated(result=6)
        compute.release()
        monkeypatch.setattr(module, "count_unread", compute)
        async with asgi_client(module.app) as client:
            response = await client.get("/users/1/unread")  # socket_timeout turns the silence into a miss
    assert response.json() == {"unread": 6}


async def test_a_burst_of_misses_across_two_workers_computes_once_per_worker(
    asgi_client, gated, eventually, two_workers
):
    compute = gated(result=1)
    workers, reads, entered = two_workers("caching/cache.py", "Cache", compute)
    async with asgi_client(workers[0].app) as first, asgi_client(workers[1].app) as second:
        requests = [
            asyncio.create_task(c.get("/users/1/unread")) for c in [first, second] * (CONCURRENT // 2)
        ]
        # every request read and joined its worker's flight, and both flights are computing
        await eventually(
            lambda: sum(map(len, reads)) == CONCURRENT and len(entered) == 2 and compute.calls == 2
        )
        compute.release()
        assert {(await r).json()["unread"] for r in requests} == {1}
    assert compute.calls == 2
