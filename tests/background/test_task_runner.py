"""snippets/background/task_runner.py: tracked till done, failures logged, shutdown drains then cancels."""

import asyncio
import logging

import httpx
from asgi_lifespan import LifespanManager


class HeldReports:
    """Replaces build_report: each report waits for the test, and says how it ended."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.events: list[str] = []

    async def __call__(self, report_id: int) -> None:
        self.events.append(f"{report_id} started")
        try:
            await self.release.wait()
        except asyncio.CancelledError:
            self.events.append(f"{report_id} cancelled")
            raise
        self.events.append(f"{report_id} finished")


async def started(manager: LifespanManager) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(manager.app), base_url="http://test")


async def test_request_returns_at_once_and_the_task_is_tracked_until_done(load_snippet, monkeypatch):
    module = load_snippet("background/task_runner.py")
    reports = HeldReports()
    monkeypatch.setattr(module, "build_report", reports)
    async with LifespanManager(module.app) as manager, await started(manager) as client:
        response = await client.post("/reports/7")
        assert (response.status_code, response.json()) == (202, {"report_id": 7, "status": "started"})
        await asyncio.sleep(0)
        assert reports.events == ["7 started"]
        assert (await client.get("/health")).json() == {"background_tasks": 1}
        reports.release.set()
        for _ in range(100):
            if len(reports.events) == 2:
                break
            await asyncio.sleep(0.01)
        assert reports.events == ["7 started", "7 finished"]
        assert (await client.get("/health")).json() == {"background_tasks": 0}


async def test_a_failed_task_is_logged_with_its_traceback(load_snippet, monkeypatch, caplog):
    module = load_snippet("background/task_runner.py")

    async def broken_report(report_id: int) -> None:
        raise ConnectionError("renderer unreachable")

    monkeypatch.setattr(module, "build_report", broken_report)
    async with LifespanManager(module.app) as manager, await started(manager) as client:
        with caplog.at_level(logging.ERROR, logger=module.__name__):
            assert (await client.post("/reports/3")).status_code == 202
            for _ in range(100):
                if caplog.records:
                    break
                await asyncio.sleep(0.01)
        assert (await client.get("/health")).json() == {"background_tasks": 0}
    [record] = caplog.records
    assert record.getMessage() == "background task report-3 failed"
    assert isinstance(record.exc_info[1], ConnectionError)


async def test_shutdown_waits_for_running_tasks_within_the_deadline(load_snippet, monkeypatch):
    module = load_snippet("background/task_runner.py", DRAIN_SECONDS="30")
    reports = HeldReports()
    monkeypatch.setattr(module, "build_report", reports)
    manager = LifespanManager(module.app, shutdown_timeout=60)
    await manager.__aenter__()
    async with await started(manager) as client:
        assert (await client.post("/reports/1")).status_code == 202
    shutdown = asyncio.create_task(manager.__aexit__(None, None, None))
    for _ in range(20):
        await asyncio.sleep(0.01)
    assert not shutdown.done()  # the lifespan is draining, not gone
    reports.release.set()
    await asyncio.wait_for(shutdown, 10)
    assert reports.events == ["1 started", "1 finished"]


async def test_shutdown_cancels_what_outlives_the_deadline(load_snippet, monkeypatch, caplog):
    module = load_snippet("background/task_runner.py", DRAIN_SECONDS="0.1")
    reports = HeldReports()  # never released
    monkeypatch.setattr(module, "build_report", reports)
    with caplog.at_level(logging.WARNING, logger=module.__name__):
        async with LifespanManager(module.app) as manager, await started(manager) as client:
            assert (await client.post("/reports/1")).status_code == 202
            assert (await client.post("/reports/2")).status_code == 202
            await asyncio.sleep(0)
    assert sorted(reports.events) == ["1 cancelled", "1 started", "2 cancelled", "2 started"]
    assert sorted(record.getMessage() for record in caplog.records) == [
        "cancelling background task report-1 at shutdown",
        "cancelling background task report-2 at shutdown",
    ]
    assert not [task for task in asyncio.all_tasks() if task.get_name().startswith("report-")]
