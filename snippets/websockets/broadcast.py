"""Broadcast to rooms of WebSocket clients: one outbox and one sender task per connection, so a slow or
dead peer never blocks the publisher or the other members. One process only (see redis_broadcast.py)."""

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, TypedDict

from fastapi import Depends, FastAPI, Path, WebSocket, WebSocketDisconnect, status

OUTBOX_SIZE = int(os.environ.get("OUTBOX_SIZE", "100"))  # messages a client may lag behind


# region rooms
class Client:
    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket
        self.outbox: asyncio.Queue[str | None] = asyncio.Queue()  # bounded by Rooms.publish

    async def pump(self) -> None:
        """The only writer to this socket: a slow peer stalls this task and nothing else."""
        try:
            while (text := await self.outbox.get()) is not None:
                await self.websocket.send_text(text)
            await self.websocket.close(code=status.WS_1013_TRY_AGAIN_LATER, reason="too slow")
        except WebSocketDisconnect:
            pass  # the peer is gone; its receive loop sees that too and leaves the room


class Rooms:
    def __init__(self) -> None:
        self.members: dict[str, set[Client]] = {}

    def join(self, room: str, client: Client) -> None:
        self.members.setdefault(room, set()).add(client)

    def leave(self, room: str, client: Client) -> None:
        members = self.members.get(room, set())
        members.discard(client)
        if not members:
            self.members.pop(room, None)

    def publish(self, room: str, text: str) -> None:
        """Never awaits: nobody's socket can delay the publisher."""
        for client in list(self.members.get(room, ())):
            if client.outbox.qsize() < OUTBOX_SIZE:
                client.outbox.put_nowait(text)
            else:  # too far behind: feed it no more, its pump closes it after the backlog
                self.leave(room, client)
                client.outbox.put_nowait(None)


# endregion rooms


class State(TypedDict):
    rooms: Rooms


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    yield {"rooms": Rooms()}


app = FastAPI(lifespan=lifespan)


def get_rooms(websocket: WebSocket) -> Rooms:
    return websocket.state.rooms


# region endpoint
@app.websocket("/ws/{room}")
async def room_socket(
    websocket: WebSocket,
    room: Annotated[str, Path(pattern=r"^[\w-]{1,50}$")],
    rooms: Annotated[Rooms, Depends(get_rooms)],
) -> None:
    client = Client(websocket)
    rooms.join(room, client)  # before accept: a client that is connected gets every later message
    pump: asyncio.Task[None] | None = None
    try:
        await websocket.accept()
        pump = asyncio.create_task(client.pump())
        async for text in websocket.iter_text():  # ends quietly on disconnect
            rooms.publish(room, text)
    finally:
        rooms.leave(room, client)
        if pump is not None:
            pump.cancel()


# endregion endpoint
