"""WebSocket test helpers: a peer that stops reading, and background readers."""

import asyncio
import contextlib
import socket
from urllib.parse import urlsplit

import pytest
from conftest import wait_until
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed


class Reader:
    """Reads every message of a connection in a background task, until it closes."""

    def __init__(self, websocket: ClientConnection) -> None:
        self.websocket = websocket
        self.messages: list[str] = []
        self.closed: ConnectionClosed | None = None
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        try:
            async for message in self.websocket:
                self.messages.append(message)
        except ConnectionClosed as closed:
            self.closed = closed

    async def wait_for(self, count: int) -> list[str]:
        def arrived() -> bool:
            assert not self.task.done(), f"closed after {len(self.messages)} messages: {self.closed}"
            return len(self.messages) >= count

        await wait_until(arrived)
        return self.messages


@pytest.fixture
async def clients():
    """`await clients.open(url)`, `await clients.open_stalled(url)`, `clients.read(ws)`; all closed after."""

    class Clients:
        def __init__(self) -> None:
            self.opened: list[ClientConnection] = []
            self.readers: list[Reader] = []

        async def open(self, url: str, **options) -> ClientConnection:
            # compression=None: our padded test messages would otherwise shrink to a few bytes on the wire.
            websocket = await connect(url, open_timeout=10, max_size=None, compression=None, **options)
            self.opened.append(websocket)
            return websocket

        async def open_stalled(self, url: str) -> ClientConnection:
            """A peer that reads nothing, with a tiny receive buffer: the server's writes to it stall
            once a few MB are in flight, as with a client on a dead network."""
            parts = urlsplit(url)
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.setblocking(False)
            await asyncio.get_running_loop().sock_connect(sock, (parts.hostname, parts.port))
            return await self.open(url, sock=sock, max_queue=1)

        def read(self, websocket: ClientConnection) -> Reader:
            reader = Reader(websocket)
            self.readers.append(reader)
            return reader

    opened = Clients()
    yield opened
    for websocket in opened.opened:
        websocket.transport.abort()
    for reader in opened.readers:
        reader.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader.task
