"""snippets/background/background_tasks.py: after the response, in turn, halted by errors, lost on restart."""

import asyncio
import signal
import threading

import httpx
import servers
from asgi_lifespan import LifespanManager


async def wait_for(predicate, what: str) -> None:
    for _ in range(400):
        if predicate():
            return
        await asyncio.sleep(0.025)
    raise AssertionError(f"timed out waiting for {what}")


def read(path) -> str:
    return path.read_text() if path.exists() else ""


async def test_both_tasks_run_after_the_response_in_order(tmp_path, load_snippet, live_server):
    outbox = tmp_path / "outbox.log"
    module = load_snippet("background/background_tasks.py", OUTBOX_PATH=str(outbox))
    async with httpx.AsyncClient(base_url=live_server(module.app), timeout=10) as client:
        response = await client.post("/orders", json={"email": "ada@example.com"})
    assert (response.status_code, response.json()) == (202, {"id": 1, "status": "accepted"})
    await wait_for(lambda: read(outbox).count("\n") == 2, "both tasks")
    assert read(outbox) == "receipt 1 to ada@example.com\naudit 1\n"


async def test_response_is_sent_before_the_tasks_run_and_they_run_one_at_a_time(
    tmp_path, load_snippet, live_server, monkeypatch
):
    module = load_snippet("background/background_tasks.py", OUTBOX_PATH=str(tmp_path / "outbox.log"))
    release = threading.Event()  # the server runs in another thread
    events: list[str] = []

    async def held_receipt(order_id: int, email: str) -> None:
        events.append("receipt started")
        await asyncio.to_thread(release.wait, 10)
        events.append("receipt finished")

    monkeypatch.setattr(module, "send_receipt", held_receipt)
    monkeypatch.setattr(module, "record_audit", lambda order_id: events.append("audit"))
    async with httpx.AsyncClient(base_url=live_server(module.app), timeout=10) as client:
        response = await client.post("/orders", json={"email": "ada@example.com"})
        assert response.status_code == 202  # answered while the first task is still held
        await wait_for(lambda: events, "the first task to start")
        await asyncio.sleep(0.2)  # room for the audit task to start early, if it were going to
        assert events == ["receipt started"]
        release.set()
        await wait_for(lambda: len(events) == 3, "the rest")
    assert events == ["receipt started", "receipt finished", "audit"]


async def test_a_task_that_raises_skips_the_tasks_after_it(tmp_path, load_snippet, monkeypatch):
    outbox = tmp_path / "outbox.log"
    module = load_snippet("background/background_tasks.py", OUTBOX_PATH=str(outbox))
    attempts: list[int] = []

    async def failing_receipt(order_id: int, email: str) -> None:
        attempts.append(order_id)
        raise ConnectionError("email API down")

    monkeypatch.setattr(module, "send_receipt", failing_receipt)
    # raise_app_exceptions=False: hand back the response the app sent before its task raised.
    transport = httpx.ASGITransport(module.app, raise_app_exceptions=False)
    async with (
        LifespanManager(module.app),
        httpx.AsyncClient(transport=transport, base_url="http://test") as client,
    ):
        response = await client.post("/orders", json={"email": "ada@example.com"})
    assert response.status_code == 202  # the client was told "accepted"
    assert attempts == [1]  # the receipt task ran and raised
    assert read(outbox) == ""  # and the audit task after it never ran


async def test_tasks_in_flight_are_lost_when_the_server_restarts(tmp_path, app_process):
    outbox = tmp_path / "outbox.log"
    env = {"OUTBOX_PATH": str(outbox), "SEND_DELAY_SECONDS": "60"}
    args = ("--timeout-graceful-shutdown", "1")
    first = app_process("background/background_tasks.py", env=env, args=args)
    async with httpx.AsyncClient(base_url=first.url, timeout=10) as client:
        assert (await client.post("/orders", json={"email": "ada@example.com"})).status_code == 202
    servers.stop(first.process, signal.SIGTERM)  # a deploy: graceful shutdown, then tasks cancelled
    assert first.process.returncode is not None
    second = app_process("background/background_tasks.py", env=env, args=args)
    async with httpx.AsyncClient(base_url=second.url, timeout=10) as client:
        assert (await client.post("/orders", json={"email": "bob@example.com"})).status_code == 202
    # The new process knows nothing of order 1: its receipt and audit are gone for good.
    assert read(outbox) == ""


async def test_a_malformed_email_is_a_422_and_schedules_nothing(tmp_path, load_snippet, asgi_client):
    outbox = tmp_path / "outbox.log"
    module = load_snippet("background/background_tasks.py", OUTBOX_PATH=str(outbox))
    async with asgi_client(module.app) as client:
        for email in ["not an address", "a@" + "b" * 260]:
            response = await client.post("/orders", json={"email": email})
            assert response.status_code == 422
            assert response.json()["detail"][0]["loc"] == ["body", "email"]
    assert not outbox.exists()
