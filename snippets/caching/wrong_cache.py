"""WRONG: `if cached:` treats a cached 0 as a miss, and concurrent misses all compute."""

import asyncio
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypedDict

from fastapi import Depends, FastAPI, Request
from redis.asyncio import Redis

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


class State(TypedDict):
    redis: Redis


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    async with Redis.from_url(REDIS_URL, socket_connect_timeout=1.0, socket_timeout=1.0) as client:
        yield {"redis": client}


def get_redis(request: Request) -> Redis:
    return request.state.redis


async def count_unread(user_id: int) -> int:
    await asyncio.sleep(0.2)
    return 0


app = FastAPI(lifespan=lifespan)


# region wrong-truthy-check
async def cached_json(client: Redis, key: str) -> Any:
    raw = await client.get(key)
    return None if raw is None else json.loads(raw)  # None means "miss", and also a cached null


@app.get("/users/{user_id}/unread")
async def unread(user_id: int, client: Annotated[Redis, Depends(get_redis)]) -> dict[str, int]:
    key = f"unread:{user_id}"
    cached = await cached_json(client, key)
    if cached:  # WRONG: a cached 0, [] or None looks like a miss and is computed again
        return {"unread": cached}
    count = await count_unread(user_id)  # WRONG: ten concurrent misses run this ten times
    await client.set(key, json.dumps(count), ex=60)
    return {"unread": count}


# endregion wrong-truthy-check
