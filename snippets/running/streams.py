"""Long-lived connections (an SSE stream and a WebSocket) that count themselves and clean up."""

import asyncio
import os
from collections.abc import AsyncIterator

from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from fastapi.sse import EventSourceResponse, ServerSentEvent

TICK_SECONDS = float(os.environ.get("TICK_SECONDS", "5"))

app = FastAPI()
open_streams = {"sse": 0, "websocket": 0}  # per process: a gauge for metrics, not shared state


@app.get("/streams")
async def streams() -> dict[str, int]:
    return open_streams


# region sse-finally
@app.get("/events", response_class=EventSourceResponse)
async def events() -> AsyncIterator[ServerSentEvent]:
    open_streams["sse"] += 1
    try:
        tick = 0
        while True:
            yield ServerSentEvent(data={"tick": tick}, event="tick")
            tick += 1
            await asyncio.sleep(TICK_SECONDS)
    finally:  # runs on client disconnect, and on cancellation at shutdown
        open_streams["sse"] -= 1


# endregion sse-finally


# region websocket-finally
@app.websocket("/ws")
async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    open_streams["websocket"] += 1
    try:
        while True:
            await websocket.send_text(await websocket.receive_text())
    except WebSocketDisconnect:
        pass  # the peer closed, the ping timed out, or the server is shutting down (1012)
    finally:
        open_streams["websocket"] -= 1


# endregion websocket-finally
