"""wrong_fire_and_forget.py against background/task_runner.py: what a task without a reference loses.

The event loop holds tasks weakly. A task whose only other referrer is the thing it waits on is
garbage: the collector destroys it mid-run. Here the report waits on a future only it knows, which
makes the collection certain; in real code it depends on what the task is waiting for.
"""

import asyncio
import gc
import logging

import httpx
from asgi_lifespan import LifespanManager


class Reports:
    """Replaces build_report: each report records how it ended."""

    def __init__(self, *, release: asyncio.Event | None = None) -> None:
        self.release = release  # None: wait on a future nothing else references
        self.events: list[str] = []

    async def __call__(self, report_id: int) -> None:
        self.events.append("started")
        try:
            if self.release is None:
                await asyncio.get_running_loop().create_future()
            else:
                await self.release.wait()
            self.events.append("finished")
        except asyncio.CancelledError:
            self.events.append("cancelled")
            raise
        except GeneratorExit:  # the coroutine is closed because its task was destroyed
            self.events.append("destroyed")
            raise


def client_for(manager: LifespanManager) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(manager.app), base_url="http://test")


async def test_unreferenced_task_is_garbage_collected_mid_run(load_snippet, monkeypatch, caplog):
    module = load_snippet("pitfalls/wrong_fire_and_forget.py")
    reports = Reports()
    monkeypatch.setattr(module, "build_report", reports)
    async with LifespanManager(module.app) as manager, client_for(manager) as client:
        assert (await client.post("/reports/1")).status_code == 202
        await asyncio.sleep(0)
        assert reports.events == ["started"]
        with caplog.at_level(logging.ERROR, logger="asyncio"):
            gc.collect()
    assert reports.events == ["started", "destroyed"]  # neither finished nor cancelled: gone
    assert "Task was destroyed but it is pending!" in caplog.text


async def test_runner_keeps_the_task_through_garbage_collection(load_snippet, monkeypatch):
    module = load_snippet("background/task_runner.py", DRAIN_SECONDS="0")
    reports = Reports()
    monkeypatch.setattr(module, "build_report", reports)
    async with LifespanManager(module.app) as manager, client_for(manager) as client:
        assert (await client.post("/reports/1")).status_code == 202
        await asyncio.sleep(0)
        gc.collect()
        assert (await client.get("/health")).json() == {"background_tasks": 1}
        assert reports.events == ["started"]  # still running
    assert reports.events == ["started", "cancelled"]  # and the lifespan cancelled it at shutdown


async def test_shutdown_neither_waits_for_nor_cancels_the_task(load_snippet, monkeypatch):
    module = load_snippet("pitfalls/wrong_fire_and_forget.py")
    reports = Reports(release=asyncio.Event())  # referenced by the test: not collectable
    monkeypatch.setattr(module, "build_report", reports)
    async with LifespanManager(module.app) as manager, client_for(manager) as client:
        assert (await client.post("/reports/1")).status_code == 202
        await asyncio.sleep(0)
    # The app has shut down; the task still runs, untracked (uvicorn's asyncio.run cancels it on exit).
    leftovers = [task for task in asyncio.all_tasks() if task.get_coro().__qualname__ == "Reports.__call__"]
    assert reports.events == ["started"] and len(leftovers) == 1
    leftovers[0].cancel()
    await asyncio.gather(*leftovers, return_exceptions=True)
