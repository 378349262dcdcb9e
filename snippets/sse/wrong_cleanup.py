"""WRONG: clean-up that awaits Redis in the finally of a stream that the disconnect has cancelled."""

import os
from collections.abc import AsyncIterable, AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, TypedDict

from fastapi import Depends, FastAPI, Path, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent
from redis.asyncio import Redis

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


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


@app.get("/topics/{topic}/events", response_class=EventSourceResponse)
async def topic_events(
    topic: Annotated[str, Path(pattern=r"^[\w-]{1,50}$")],
    redis: Annotated[Redis, Depends(get_redis)],
) -> AsyncIterable[ServerSentEvent]:
    pubsub = redis.pubsub(ignore_subscribe_messages=True)
    await redis.incr(f"watchers:{topic}")
    # region wrong-cleanup
    try:
        await pubsub.subscribe(f"events:{topic}")
        yield ServerSentEvent(comment="subscribed")
        async for message in pubsub.listen():
            yield ServerSentEvent(raw_data=message["data"], event=topic)
    finally:
        await redis.decr(f"watchers:{topic}")  # cancelled again at once: the count never goes down
        await pubsub.aclose()  # never reached: the subscription and its connection stay
    # endregion wrong-cleanup
