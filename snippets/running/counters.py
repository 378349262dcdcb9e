"""State per process versus shared state: a counter in memory and the same counter in Redis."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, TypedDict

from fastapi import Depends, FastAPI, Request
from redis.asyncio import Redis

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


class State(TypedDict):
    redis: Redis


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    async with Redis.from_url(REDIS_URL, socket_timeout=5, socket_connect_timeout=2) as redis:
        await redis.ping()  # fail at startup, not on the first request
        yield {"redis": redis}


def get_redis(request: Request) -> Redis:
    return request.state.redis


RedisDep = Annotated[Redis, Depends(get_redis)]
app = FastAPI(lifespan=lifespan)


# region wrong-in-memory-counter
hits = 0  # one copy per worker process: each worker counts only the requests it served


@app.post("/hits/memory")
async def count_in_memory() -> dict[str, int]:
    global hits
    hits += 1
    return {"hits": hits, "pid": os.getpid()}


# endregion wrong-in-memory-counter


# region redis-counter
@app.post("/hits/shared")
async def count_in_redis(redis: RedisDep) -> dict[str, int]:
    hits = await redis.incr("hits")  # atomic, and the same for every worker and instance
    return {"hits": hits, "pid": os.getpid()}


# endregion redis-counter
