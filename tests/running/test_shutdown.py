"""SIGTERM to a real uvicorn process: the request in flight finishes, jobs drain, stragglers are cancelled."""

from __future__ import annotations

import asyncio
import signal

import httpx
import pytest
import servers


async def test_sigterm_finishes_the_request_in_flight_drains_jobs_then_cancels_the_rest(
    app_process, get_json, eventually, capfd
):
    app = app_process("running/shutdown.py", env={"DRAIN_SECONDS": "3"}, args=("--log-level", "info"))
    async with httpx.AsyncClient(base_url=app.url, timeout=30) as client:
        assert (await client.post("/jobs", params={"name": "short", "seconds": 2})).json() == {"running": 1}
        assert (await client.post("/jobs", params={"name": "endless", "seconds": 3600})).json() == {
            "running": 2
        }
        slow = asyncio.create_task(client.get("/slow", params={"seconds": 1}))

        async def slow_request_started() -> bool:
            return (await get_json(f"{app.url}/in-flight")) == {"slow": 1}

        await eventually(slow_request_started, "the slow request reached its handler")
        app.process.send_signal(signal.SIGTERM)
        assert not slow.done()

        response = await slow  # the request in flight completes normally...
        assert response.status_code == 200
        assert response.json() == {"slept": 1}
        with pytest.raises(httpx.ConnectError):  # ...while new connections are refused
            await client.get("/in-flight")

    assert await asyncio.to_thread(app.process.wait, servers.STOP_TIMEOUT) == -signal.SIGTERM
    log = capfd.readouterr().err
    order = [
        "Shutting down",  # SIGTERM received
        "Waiting for application shutdown",  # the last connection closed: the lifespan exits
        "draining 2 job(s)",
        "job short finished",  # outlived the request, finished inside the drain window
        "job endless cancelled at shutdown",
        "Application shutdown complete",
    ]
    positions = [log.index(line) for line in order]
    assert positions == sorted(positions), log
