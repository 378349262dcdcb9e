"""A fake upstream HTTP service on 127.0.0.1 that the test controls and observes.

It runs in the test's event loop (plain asyncio streams, HTTP/1.1 with keep-alive), so a test can
hold a reply behind an `asyncio.Event`, make a path fail, and read what the upstream saw: how many
TCP connections were opened, how many requests are in flight (and the most ever), which requests
were answered and which the client abandoned (closed the connection before the reply).

    async with serve_upstream() as upstream:
        upstream.replies["/users/1"] = Reply(gate=release)   # held until release.set()
        ...
        await upstream.wait_until(lambda: upstream.in_flight == 2)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

WAIT_LIMIT = 10.0  # a safety net for wait_until, never a measurement


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # JSON; None echoes {"method": ..., "path": ...}
    gate: asyncio.Event | None = None  # hold the reply until the event is set (never set: hang)
    drop: bool = False  # close the connection instead of answering
    trickle: float = 0.0  # seconds between body bytes (0: send the body at once)


@dataclass
class Received:
    method: str
    path: str  # without the query string
    query: str
    body: bytes


@dataclass
class FakeUpstream:
    url: str = ""
    replies: dict[str, Reply] = field(default_factory=dict)  # by path; default: 200 echo
    handler: Callable[[Received], Reply] | None = None  # consulted when no reply matches the path
    connections_opened: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    received: list[Received] = field(default_factory=list)
    answered: list[str] = field(default_factory=list)
    abandoned: list[str] = field(default_factory=list)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def wait_until(self, predicate: Callable[[], bool]) -> None:
        """Wait until predicate() holds (checked after every change); fail after a generous limit."""
        async with asyncio.timeout(WAIT_LIMIT), self._changed:
            await self._changed.wait_for(predicate)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def _reply_for(self, request: Received) -> Reply:
        if request.path in self.replies:
            return self.replies[request.path]
        if self.handler is not None:
            return self.handler(request)
        return Reply()

    async def _serve_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections_opened += 1
        await self._notify()
        try:
            while request := await _read_request(reader):
                if not await self._answer(request, reader, writer):
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _answer(
        self, request: Received, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        """Answer one request; return False when the connection must close."""
        self.received.append(request)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        await self._notify()
        reply = self._reply_for(request)
        try:
            if reply.gate is not None and not await _held_until_gate(reply.gate, reader):
                self.abandoned.append(request.path)
                return False
            if reply.drop:
                return False
            body = reply.body if reply.body is not None else {"method": request.method, "path": request.path}
            payload = json.dumps(body).encode()
            head = (
                f"HTTP/1.1 {reply.status} X\r\ncontent-type: application/json\r\n"
                f"content-length: {len(payload)}\r\n\r\n"
            )
            if reply.trickle:
                writer.write(head.encode())
                for byte in payload:
                    await asyncio.sleep(reply.trickle)
                    writer.write(bytes([byte]))
                    await writer.drain()
            else:
                writer.write(head.encode() + payload)
                await writer.drain()
            self.answered.append(request.path)
            return True
        finally:
            self.in_flight -= 1
            await self._notify()


async def _read_request(reader: asyncio.StreamReader) -> Received | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None  # the client closed the connection between requests
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    method, target, _ = request_line.split(" ", 2)
    headers = dict(line.lower().split(": ", 1) for line in header_lines if line)
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    path, _, query = target.partition("?")
    return Received(method, path, query, body)


async def _held_until_gate(gate: asyncio.Event, reader: asyncio.StreamReader) -> bool:
    """Wait for the gate; return False if the client closed the connection first."""
    opened = asyncio.ensure_future(gate.wait())
    closed = asyncio.ensure_future(reader.read(1))  # b"" at EOF; clients do not pipeline
    try:
        done, _ = await asyncio.wait({opened, closed}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (opened, closed):
            task.cancel()
        await asyncio.gather(opened, closed, return_exceptions=True)
    return closed not in done


@contextlib.asynccontextmanager
async def serve_upstream() -> AsyncIterator[FakeUpstream]:
    upstream = FakeUpstream()
    connections: set[asyncio.Task[None]] = set()

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        connections.add(task)
        try:
            await upstream._serve_connection(reader, writer)
        finally:
            connections.discard(task)

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    host, port = server.sockets[0].getsockname()[:2]
    upstream.url = f"http://{host}:{port}"
    try:
        yield upstream
    finally:
        server.close()
        for task in list(connections):
            task.cancel()
        await asyncio.gather(*connections, return_exceptions=True)
        await server.wait_closed()


@pytest.fixture
async def upstream() -> AsyncIterator[FakeUpstream]:
    """A fake upstream on 127.0.0.1 in the test's event loop."""
    async with serve_upstream() as server:
        yield server
