"""A Redis cache that keeps falsy values and computes each missing key once per process."""

import asyncio
import json
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any, Final, TypedDict

from fastapi import Depends, FastAPI, HTTPException, Request
from redis.asyncio import Redis
from redis.exceptions import RedisError

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHE_TTL_SECONDS = int(os.environ.get("CACHE_TTL_SECONDS", "60"))

logger = logging.getLogger(__name__)


# region cache
MISS: Final = object()  # a cached 0, [] or None is a value, so a miss needs its own marker


class Cache:
    def __init__(self, client: Redis, ttl_seconds: int) -> None:
        self.client, self.ttl_seconds = client, ttl_seconds
        self._flights: dict[str, asyncio.Task[Any]] = {}

    async def get(self, key: str) -> Any:
        try:
            raw = await self.client.get(key)
        except RedisError:
            logger.warning("cache read failed for %s; computing instead", key, exc_info=True)
            return MISS
        return MISS if raw is None else json.loads(raw)  # test the raw reply, never `if raw:`

    async def get_or_compute(self, key: str, compute: Callable[[], Awaitable[Any]]) -> Any:
        if (value := await self.get(key)) is not MISS:
            return value
        if (flight := self._flights.get(key)) is None:  # no await between check and insert: one flight
            flight = self._flights[key] = asyncio.create_task(self._run_flight(key, compute))
        return await asyncio.shield(flight)  # a caller that leaves must not cancel the others' computation

    async def _run_flight(self, key: str, compute: Callable[[], Awaitable[Any]]) -> Any:
        try:
            return await self._compute_and_set(key, compute)
        finally:
            del self._flights[key]

    async def _compute_and_set(self, key: str, compute: Callable[[], Awaitable[Any]]) -> Any:
        value = await compute()  # an exception reaches every waiter and nothing is stored
        try:
            await self.client.set(key, json.dumps(value), ex=self.ttl_seconds)
        except RedisError:
            logger.warning("cache write failed for %s", key, exc_info=True)
        return value

    async def aclose(self) -> None:
        for flight in self._flights.values():
            flight.cancel()  # a computation nobody waits for any more; each leaves _flights when it ends
        await asyncio.gather(*self._flights.values(), return_exceptions=True)


# endregion cache
# region lifespan
class State(TypedDict):
    cache: Cache


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    # No ping at startup: with Redis down the cache computes every value, and the app still serves.
    async with Redis.from_url(REDIS_URL, socket_connect_timeout=1.0, socket_timeout=1.0) as client:
        cache = Cache(client, CACHE_TTL_SECONDS)
        try:
            yield {"cache": cache}
        finally:
            await cache.aclose()  # before the client closes: no computation writes to a closed client


def get_cache(request: Request) -> Cache:
    return request.state.cache


CacheDep = Annotated[Cache, Depends(get_cache)]
# endregion lifespan


class UpstreamError(Exception): ...


async def count_unread(user_id: int) -> int:
    await asyncio.sleep(0.2)  # stands in for a slow query or upstream call; 0 is the common answer
    return 0


app = FastAPI(lifespan=lifespan)


# region route
@app.get("/users/{user_id}/unread")
async def unread(user_id: int, cache: CacheDep) -> dict[str, int]:
    try:
        count = await cache.get_or_compute(f"unread:{user_id}", lambda: count_unread(user_id))
    except UpstreamError as error:
        raise HTTPException(503, "unread count unavailable, retry later") from error
    return {"unread": count}


# endregion route
