import asyncio
import socket

import pytest
import redis.asyncio as redis
import servers

CONCURRENT = 20


@pytest.fixture
def cache_module(load_snippet, redis_url):
    return load_snippet("caching/cache.py", REDIS_URL=redis_url)


@pytest.fixture
def count_reads(monkeypatch):
    """Count finished cache reads; once N have returned, those N callers have joined the flight."""

    def install(module):
        reads = []
        original = module.Cache.get

        async def counting_get(self, key):
            value = await original(self, key)
            reads.append(key)
            return value

        monkeypatch.setattr(module.Cache, "get", counting_get)
        return reads

    return install


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
    cache_module, asgi_client, monkeypatch, gated, until, count_reads
):
    compute = gated(result=7)
    monkeypatch.setattr(cache_module, "count_unread", compute)
    reads = count_reads(cache_module)
    async with asgi_client(cache_module.app) as client:
        requests = [asyncio.create_task(client.get("/users/1/unread")) for _ in range(CONCURRENT)]
        # every request missed and joined; the flight has started its computation
        await until(lambda: len(reads) == CONCURRENT and compute.calls >= 1)
        assert compute.calls == 1
        compute.release()
        responses = await asyncio.gather(*requests)
    assert [r.json() for r in responses] == [{"unread": 7}] * CONCURRENT
    assert compute.calls == 1


async def test_failed_computation_reaches_every_waiter_and_is_not_cached(
    cache_module, asgi_client, monkeypatch, redis_url, gated, until, count_reads
):
    failing = gated(result=cache_module.UpstreamError("down"))
    monkeypatch.setattr(cache_module, "count_unread", failing)
    reads = count_reads(cache_module)
    async with asgi_client(cache_module.app) as client, redis.Redis.from_url(redis_url) as direct:
        requests = [asyncio.create_task(client.get("/users/1/unread")) for _ in range(CONCURRENT)]
        await until(lambda: len(reads) == CONCURRENT)
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
    cache_module, redis_url, gated, until, count_reads
):
    compute = gated(result=9)
    reads = count_reads(cache_module)
    async with redis.Redis.from_url(redis_url) as client:
        cache = cache_module.Cache(client, ttl_seconds=60)
        leaver = asyncio.create_task(cache.get_or_compute("k", compute))
        stayer = asyncio.create_task(cache.get_or_compute("k", compute))
        await until(lambda: len(reads) == 2)
        leaver.cancel()  # a client that disconnected
        with pytest.raises(asyncio.CancelledError):
            await leaver
        compute.release()
        assert await stayer == 9
        assert await cache.get("k") == 9
    assert compute.calls == 1


async def test_shutdown_cancels_a_computation_nobody_waits_for(cache_module, redis_url, gated, until):
    compute = gated()
    async with redis.Redis.from_url(redis_url) as client:
        cache = cache_module.Cache(client, ttl_seconds=60)
        caller = asyncio.create_task(cache.get_or_compute("k", compute))
        await until(lambda: compute.calls == 1)
        caller.cancel()
        await asyncio.gather(caller, return_exceptions=True)
        flights = list(cache._flights.values())
        assert len(flights) == 1 and not flights[0].done()  # still running for nobody
        await cache.aclose()
        assert flights[0].cancelled()
        assert cache._flights == {}


@pytest.mark.parametrize("lock_seconds", ["0", "30"])
async def test_a_redis_outage_degrades_to_computing(
    load_snippet, asgi_client, monkeypatch, gated, lock_seconds
):
    module = load_snippet(
        "caching/cache.py",
        REDIS_URL=f"redis://127.0.0.1:{servers.free_port()}/0",
        CACHE_LOCK_SECONDS=lock_seconds,
    )
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


@pytest.fixture
def two_workers(load_snippet, redis_url, monkeypatch, count_reads):
    """Two app instances on one Redis (two worker processes), each counting reads and computations."""

    def start(compute, lock_seconds):
        workers = [
            load_snippet("caching/cache.py", REDIS_URL=redis_url, CACHE_LOCK_SECONDS=lock_seconds)
            for _ in range(2)
        ]
        reads, entered = [count_reads(worker) for worker in workers], []
        for worker in workers:
            monkeypatch.setattr(worker, "count_unread", compute)
            original = worker.Cache._run_flight

            async def entering(self, key, compute, original=original):
                entered.append(key)  # a flight started (and, without the lock, computes right away)
                return await original(self, key, compute)

            monkeypatch.setattr(worker.Cache, "_run_flight", entering)
        return workers, reads, entered

    return start


@pytest.mark.parametrize(
    ("lock_seconds", "computations"), [("0", 2), ("30", 1)], ids=["one-per-process", "one-with-redis-lock"]
)
async def test_computations_for_a_burst_of_misses_across_two_workers(
    asgi_client, gated, until, two_workers, lock_seconds, computations
):
    compute = gated(result=1)
    workers, reads, entered = two_workers(compute, lock_seconds)
    async with asgi_client(workers[0].app) as first, asgi_client(workers[1].app) as second:
        requests = [
            asyncio.create_task(c.get("/users/1/unread")) for c in [first, second] * (CONCURRENT // 2)
        ]
        # every request read and joined its worker's flight; with the lock, the holder re-read once
        holder_reads = 1 if lock_seconds != "0" else 0
        await until(
            lambda: sum(map(len, reads)) == CONCURRENT + holder_reads and len(entered) == 2 and compute.calls
        )
        assert compute.calls == computations
        compute.release()
        assert {(await r).json()["unread"] for r in requests} == {1}
    assert compute.calls == computations


async def test_with_the_lock_a_failure_is_retried_once_per_worker_then_reported(
    asgi_client, redis_url, gated, until, two_workers, monkeypatch
):
    failing = gated(result=RuntimeError("down"))
    workers, reads, entered = two_workers(failing, "30")
    for worker in workers:  # each worker maps its own UpstreamError class to 503

        async def fail_in_this_worker(user_id, worker=worker):
            try:
                return await failing(user_id)
            except RuntimeError as error:
                raise worker.UpstreamError("down") from error

        monkeypatch.setattr(worker, "count_unread", fail_in_this_worker)
    async with asgi_client(workers[0].app) as first, asgi_client(workers[1].app) as second:
        requests = [
            asyncio.create_task(c.get("/users/1/unread")) for c in [first, second] * (CONCURRENT // 2)
        ]
        await until(lambda: sum(map(len, reads)) == CONCURRENT + 1 and len(entered) == 2)
        failing.release()
        async with asyncio.timeout(20):
            responses = await asyncio.gather(*requests)
    assert [r.status_code for r in responses] == [503] * CONCURRENT
    assert failing.calls == 2  # the second worker got the lock next and tried once more
    async with redis.Redis.from_url(redis_url) as direct:
        assert await direct.keys("*") == []  # no value and no lock left behind
