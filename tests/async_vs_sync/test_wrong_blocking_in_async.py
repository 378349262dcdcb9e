import asyncio

import httpx


async def test_blocking_call_in_async_def_stalls_other_requests(load_snippet, live_server, gate):
    module = load_snippet("async_vs_sync/wrong_blocking_in_async.py")
    gate.allow_on_event_loop = True
    module.fetch_report_blocking = gate.blocking
    url = live_server(module.app)
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        report = asyncio.create_task(client.get("/report"))
        await gate.wait_for_in_flight(1)  # the server's event loop is now inside time.sleep's stand-in

        health = asyncio.create_task(client.get("/health"))
        done, _ = await asyncio.wait({health}, timeout=0.5)
        assert not done, "an unrelated request was answered while the loop was blocked"

        gate.release.set()
        assert (await report).json() == {"report": "ready"}
        assert (await health).json() == {"status": "ok"}
