"""Rooms across processes: every process publishes to Redis and relays what Redis sends back to its own
clients, through the outbox-and-pump Rooms of broadcast.py."""

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, TypedDict

from broadcast import Client, Rooms  # snippets/websockets/broadcast.py (OUTBOX_SIZE is read there)
from fastapi import Depends, FastAPI, Path, WebSocket, status
from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
PREFIX = "room:"

logger = logging.getLogger(__name__)


# region relay
async def relay(pubsub: PubSub, rooms: Rooms) -> None:
    """Hand every room message, from any process, to this process's members."""
    while True:
        try:
            async for message in pubsub.listen():
                rooms.publish(message["channel"].removeprefix(PREFIX), message["data"])
        except RedisConnectionError:
            # Messages published while disconnected are lost: pub/sub keeps no history.
            logger.warning("Redis pub/sub connection lost; resubscribing")
            await asyncio.sleep(1)


class State(TypedDict):
    redis: Redis
    rooms: Rooms


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    redis = Redis.from_url(REDIS_URL, decode_responses=True, socket_timeout=5, socket_connect_timeout=2)
    async with redis, redis.pubsub(ignore_subscribe_messages=True) as pubsub:  # both closed on shutdown
        await pubsub.psubscribe(f"{PREFIX}*")  # before the first client connects
        rooms = Rooms()
        relaying = asyncio.create_task(relay(pubsub, rooms))
        try:
            yield {"redis": redis, "rooms": rooms}
        finally:
            relaying.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await relaying


# endregion relay

app = FastAPI(lifespan=lifespan)


def get_redis(websocket: WebSocket) -> Redis:
    return websocket.state.redis


def get_rooms(websocket: WebSocket) -> Rooms:
    return websocket.state.rooms


# region endpoint
@app.websocket("/ws/{room}")
async def room_socket(
    websocket: WebSocket,
    room: Annotated[str, Path(pattern=r"^[\w-]{1,50}$")],
    redis: Annotated[Redis, Depends(get_redis)],
    rooms: Annotated[Rooms, Depends(get_rooms)],
) -> None:
    client = Client(websocket)
    rooms.join(room, client)  # before accept: a client that is connected gets every later message
    pump: asyncio.Task[None] | None = None
    try:
        await websocket.accept()
        pump = asyncio.create_task(client.pump())
        async for text in websocket.iter_text():
            await redis.publish(f"{PREFIX}{room}", text)  # every process relays it, this one included
    except RedisError:
        logger.exception("cannot publish to Redis")
        if pump is not None:
            pump.cancel()  # the pump must not write after the close frame
        await websocket.close(code=status.WS_1011_INTERNAL_ERROR, reason="broadcast unavailable")
    finally:
        rooms.leave(room, client)
        if pump is not None:
            pump.cancel()


# endregion endpoint
