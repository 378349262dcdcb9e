"""Server-Sent Events fed from Redis pub/sub: each stream holds a subscription (and a count of watchers)
for as long as its client stays, and releases both when the client leaves."""

import os
from collections.abc import AsyncIterable, AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, TypedDict

import anyio
from fastapi import Depends, FastAPI, Path, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent
from redis.asyncio import Redis

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CLEANUP_SECONDS = 5


class State(TypedDict):
    redis: Redis


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    redis = Redis.from_url(REDIS_URL, decode_responses=True, socket_timeout=5, socket_connect_timeout=2)
    async with redis:  # closed on shutdown, also if the ping fails
        await redis.ping()  # fail at startup, not on the first request
        yield {"redis": redis}


app = FastAPI(lifespan=lifespan)


def get_redis(request: Request) -> Redis:
    return request.state.redis


# region stream
@app.get("/topics/{topic}/events", response_class=EventSourceResponse)
async def topic_events(
    topic: Annotated[str, Path(pattern=r"^[\w-]{1,50}$")],
    redis: Annotated[Redis, Depends(get_redis)],
) -> AsyncIterable[ServerSentEvent]:
    pubsub = redis.pubsub(ignore_subscribe_messages=True)  # a connection of its own, for this stream
    await redis.incr(f"watchers:{topic}")
    try:
        await pubsub.subscribe(f"events:{topic}")
        yield ServerSentEvent(comment="subscribed")  # from here on, nothing published is missed
        async for message in pubsub.listen():
            yield ServerSentEvent(raw_data=message["data"], event=topic)
    finally:
        # A client that leaves cancels the stream, and inside a cancelled scope every await that
        # suspends is cancelled again: shield the clean-up, and bound it.
        with anyio.move_on_after(CLEANUP_SECONDS, shield=True):
            await redis.decr(f"watchers:{topic}")
            await pubsub.aclose()


# endregion stream
