"""Long-lived connections at shutdown and when the client vanishes, against real uvicorn processes."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import servers
import websockets

SNIPPET = Path(__file__).resolve().parents[2] / "snippets" / "running" / "streams.py"
FAST_TICKS = {"TICK_SECONDS": "0.2"}


def ws_url(url: str) -> str:
    return url.replace("http://", "ws://") + "/ws"


def open_count(get_json, app_url: str, kind: str, expected: int):
    """A predicate for `eventually`: the server reports `expected` open streams of `kind`."""

    async def check() -> bool:
        return (await get_json(f"{app_url}/streams"))[kind] == expected

    return check


async def test_sigterm_closes_websockets_at_once_and_cancels_sse_after_the_graceful_timeout(
    app_process, get_json, capfd
):
    app = app_process("running/streams.py", env=FAST_TICKS, args=("--timeout-graceful-shutdown", "2"))
    async with (
        httpx.AsyncClient(base_url=app.url, timeout=30) as client,
        client.stream("GET", "/events") as stream,
        websockets.connect(ws_url(app.url)) as websocket,
    ):
        assert stream.headers["x-accel-buffering"] == "no"  # fastapi.sse tells nginx not to buffer
        lines = stream.aiter_lines()
        assert await anext(lines) == "event: tick"
        await websocket.send("hello")
        assert await websocket.recv() == "hello"
        assert await get_json(f"{app.url}/streams") == {"sse": 1, "websocket": 1}

        app.process.send_signal(signal.SIGTERM)

        with pytest.raises(websockets.ConnectionClosed) as closed:
            await websocket.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1012  # service restart
        assert app.process.poll() is None  # closed at once, not when the process ended
        with pytest.raises(httpx.RemoteProtocolError):  # the stream is cut, not ended cleanly
            async for _ in lines:
                pass
    # uvicorn re-raises the signal once shut down: the exit status says "terminated by SIGTERM".
    assert app.process.wait(servers.STOP_TIMEOUT) == -signal.SIGTERM
    assert "Cancel 1 running task(s), timeout graceful shutdown exceeded" in capfd.readouterr().err


async def test_without_a_graceful_timeout_an_open_sse_stream_keeps_the_process_alive(app_process):
    app = app_process("running/streams.py", env=FAST_TICKS)
    async with httpx.AsyncClient(base_url=app.url, timeout=30) as client:
        async with client.stream("GET", "/events") as stream:
            lines = stream.aiter_lines()
            assert await anext(lines) == "event: tick"
            app.process.send_signal(signal.SIGTERM)
            with pytest.raises(subprocess.TimeoutExpired):  # uvicorn waits for the stream...
                await asyncio.to_thread(app.process.wait, 1.5)
        # ...and exits once the client hangs up.
        assert await asyncio.to_thread(app.process.wait, servers.STOP_TIMEOUT) == -signal.SIGTERM


# --- dead clients: one server with a short WebSocket ping, shared by the tests below ------------


@pytest.fixture(scope="module")
def pinging_app() -> Iterator[servers.AppProcess]:
    """Pings every 0.5 s; SSE sends one event, then nothing for an hour (keep-alive comes at 15 s)."""
    args = ("--ws-ping-interval", "0.5", "--ws-ping-timeout", "0.5")
    with servers.uvicorn_process(SNIPPET, env={"TICK_SECONDS": "3600"}, args=args) as app:
        yield app


@contextlib.asynccontextmanager
async def silent_websocket(url: str):
    """A client that completes the handshake, then never reads again (like a phone that lost signal)."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        f"GET /ws HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    response = await reader.readuntil(b"\r\n\r\n")
    assert response.startswith(b"HTTP/1.1 101")
    try:
        yield
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def test_websocket_ping_drops_a_silent_client_and_keeps_a_live_one(pinging_app, get_json, eventually):
    streams_url = f"{pinging_app.url}/streams"
    async with websockets.connect(ws_url(pinging_app.url)) as live, silent_websocket(pinging_app.url):
        assert (await get_json(streams_url))["websocket"] == 2

        await eventually(
            open_count(get_json, pinging_app.url, "websocket", 1),
            "the server closed the silent WebSocket (its finally ran)",
        )
        await live.send("still here")  # the client that answers pings is untouched
        assert await live.recv() == "still here"
    await eventually(open_count(get_json, pinging_app.url, "websocket", 0), "the live socket closed")


CLIENT = """
import sys, httpx
with httpx.stream("GET", sys.argv[1], timeout=30) as response:
    for line in response.iter_lines():
        print(line, flush=True)
"""


async def test_sse_finally_runs_when_the_client_process_is_killed(pinging_app, get_json, eventually):
    client = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CLIENT, f"{pinging_app.url}/events", stdout=asyncio.subprocess.PIPE
    )
    try:
        assert client.stdout is not None
        assert await client.stdout.readline() == b"event: tick\n"
        assert (await get_json(f"{pinging_app.url}/streams"))["sse"] == 1
        client.kill()  # SIGKILL: no goodbye from the client, the kernel just closes its socket
        await client.wait()
        # Within 10 s, before the first keep-alive write (15 s): noticed by listening, not by writing.
        await eventually(open_count(get_json, pinging_app.url, "sse", 0), "the stream's finally ran", 10)
    finally:
        if client.returncode is None:
            client.kill()
            await client.wait()


def test_fastapi_run_has_no_graceful_shutdown_timeout_so_use_uvicorn():
    def options(*command: str) -> str:
        result = subprocess.run([sys.executable, "-m", *command, "--help"], capture_output=True, text=True)
        return result.stdout

    assert "--workers" in options("fastapi", "run")
    assert "--timeout-graceful-shutdown" not in options("fastapi", "run")
    assert "--timeout-graceful-shutdown" in options("uvicorn")
