import asyncio

import redis.asyncio as redis
import servers

CONCURRENT = 20


async def test_a_burst_of_misses_across_two_workers_computes_once(
    asgi_client, gated, eventually, two_workers
):
    compute = gated(result=1)
    workers, reads, entered = two_workers("caching/cluster_cache.py", "ClusterCache", compute)
    async with asgi_client(workers[0].app) as first, asgi_client(workers[1].app) as second:
        requests = [
            asyncio.create_task(c.get("/users/1/unread")) for c in [first, second] * (CONCURRENT // 2)
        ]
        # every request read and joined its worker's flight; the lock holder re-read once, then computes
        await eventually(
            lambda: sum(map(len, reads)) == CONCURRENT + 1 and len(entered) == 2 and compute.calls
        )
        assert compute.calls == 1
        compute.release()
        assert {(await r).json()["unread"] for r in requests} == {1}
    assert compute.calls == 1


async def test_a_failure_is_retried_once_per_worker_then_reported(
    asgi_client, redis_url, gated, eventually, two_workers, monkeypatch
):
    failing = gated(result=RuntimeError("down"))
    workers, reads, entered = two_workers("caching/cluster_cache.py", "ClusterCache", failing)
    for worker in workers:

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
        await eventually(lambda: sum(map(len, reads)) == CONCURRENT + 1 and len(entered) == 2)
        failing.release()
        async with asyncio.timeout(20):
            responses = await asyncio.gather(*requests)
    assert [r.status_code for r in responses] == [503] * CONCURRENT
    assert failing.calls == 2  # the second worker got the lock next and tried once more
    async with redis.Redis.from_url(redis_url) as direct:
        assert await direct.keys("*") == []  # no value and no lock left behind


async def test_a_redis_outage_degrades_to_computing_without_the_lock(
    load_snippet, asgi_client, monkeypatch, gated
):
    module = load_snippet("caching/cluster_cache.py", REDIS_URL=f"redis://127.0.0.1:{servers.free_port()}/0")
    compute = gated(result=4)
    compute.release()
    monkeypatch.setattr(module, "count_unread", compute)
    async with asgi_client(module.app) as client:
        responses = [await client.get("/users/1/unread") for _ in range(2)]
    assert [r.json() for r in responses] == [{"unread": 4}] * 2
    assert compute.calls == 2  # nothing could be cached or locked, yet every request answered
