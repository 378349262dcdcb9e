import asyncio


async def test_lifespan_sets_the_worker_thread_limit(load_snippet, asgi_client, gate):
    module = load_snippet("async_vs_sync/thread_limit.py", THREAD_LIMIT="4")
    module.call_legacy_sdk = gate.blocking
    async with asgi_client(module.app) as client:
        requests = [asyncio.create_task(client.get("/legacy")) for _ in range(10)]
        await gate.wait_for_in_flight(4)
        await asyncio.sleep(0.2)  # the other 6 must queue for a thread
        assert gate.max_in_flight == 4
        gate.release.set()
        responses = await asyncio.gather(*requests)
    assert [r.json() for r in responses] == [{"result": "ready"}] * 10
