"""Helpers to copy into your tests: an in-process client with the lifespan run, a real server."""

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import uvicorn
from asgi_lifespan import LifespanManager
from starlette.types import ASGIApp


# region in-process
@asynccontextmanager
async def in_process_client(
    app: ASGIApp, headers: dict[str, str] | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """Call the app in memory. ASGITransport alone never runs the lifespan; LifespanManager does."""
    async with (
        LifespanManager(app) as manager,  # startup now, shutdown on exit (and its errors surface)
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app),  # manager.app carries the lifespan state
            base_url="http://test",
            headers=headers,
        ) as client,
    ):
        yield client


# endregion in-process


# region live-server
@asynccontextmanager
async def serve(app: ASGIApp) -> AsyncIterator[str]:
    """Run the app under a real uvicorn server on the test's event loop; yield its base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # port 0: the OS picks a free port, no race with other tests
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=5))
        task = asyncio.create_task(server.serve(sockets=[sock]))
        try:
            async with asyncio.timeout(10):
                while not server.started:
                    if task.done():
                        raise RuntimeError("uvicorn exited during startup") from task.exception()
                    await asyncio.sleep(0.01)
            host, port = sock.getsockname()
            yield f"http://{host}:{port}"
        finally:
            server.should_exit = True
            await task


# endregion live-server
