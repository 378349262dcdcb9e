"""A Redis cache that keeps falsy values and computes each missing key once per process."""

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any, Final, TypedDict

import redis.asyncio as redis
from fastapi import Depends, FastAPI, HTTPException, Request
from redis.exceptions import RedisError

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHE_TTL_SECONDS = int(os.environ.get("CACHE_TTL_SECONDS", "60"))
CACHE_LOCK_SECONDS = float(os.environ.get("CACHE_LOCK_SECONDS", "0"))  # 0: single-flight per process only

logger = logging.getLogger(__name__)


# region cache
MISS: Final = object()  # a cached 0, [] or None is a value, so a miss needs its own marker


class Cache:
    """JSON values in Redis with a TTL; concurrent misses for one key share one computation."""

    def __init__(self, client: redis.Redis, ttl_seconds: int) -> None:
        self.client = client
        self.ttl_seconds = ttl_seconds
        self._flights: dict[str, asyncio.Task[Any]] = {}

    async def get(self, key: str) -> Any:
        try:
            raw = await self.client.get(key)
        except RedisError:
            logger.warning("cache read failed for %s; computing instead", key, exc_info=True)
            return MISS
        return MISS if raw is None else json.loads(raw)  # test the raw reply, never `if raw:`

    async def get_or_compute(self, key: str, compute: Callable[[], Awaitable[Any]]) -> Any:
        value = await self.get(key)
        if value is not MISS:
            return value
        flight = self._flights.get(key)
        if flight is None:  # no await between the check and the insert: one flight per key
            flight = asyncio.create_task(self._run_flight(key, compute))
            self._flights[key] = flight
        # shield: a caller that disconnects must not cancel the computation the others wait for
        return await asyncio.shield(flight)

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
        flights = list(self._flights.values())
        for flight in flights:
            flight.cancel()
        await asyncio.gather(*flights, return_exceptions=True)


# endregion cache


# region cluster-lock
class ClusterCache(Cache):
    """Also one computation per key across processes: whoever holds a Redis lock computes."""

    def __init__(self, client: redis.Redis, ttl_seconds: int, lock_seconds: float) -> None:
        super().__init__(client, ttl_seconds)
        self.lock_seconds = lock_seconds  # longer than a computation takes; expires if a holder dies

    async def _compute_and_set(self, key: str, compute: Callable[[], Awaitable[Any]]) -> Any:
        lock = self.client.lock(f"lock:{key}", timeout=self.lock_seconds, blocking_timeout=self.lock_seconds)
        try:
            acquired = await lock.acquire()  # other processes wait here while the holder computes
        except RedisError:
            acquired = False  # Redis is down: compute without the lock
        try:
            if acquired and (value := await self.get(key)) is not MISS:
                return value  # another process stored it while we waited
            return await super()._compute_and_set(key, compute)
        finally:
            if acquired:
                with contextlib.suppress(RedisError):  # LockNotOwnedError if the lock expired meanwhile
                    await lock.release()


# endregion cluster-lock


# region lifespan
class State(TypedDict):
    cache: Cache


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1.0, socket_timeout=1.0)
    if CACHE_LOCK_SECONDS > 0:
        cache: Cache = ClusterCache(client, CACHE_TTL_SECONDS, CACHE_LOCK_SECONDS)
    else:
        cache = Cache(client, CACHE_TTL_SECONDS)
    try:
        yield {"cache": cache}
    finally:
        await cache.aclose()
        await client.aclose()


def get_cache(request: Request) -> Cache:
    return request.state.cache


CacheDep = Annotated[Cache, Depends(get_cache)]
# endregion lifespan


class UpstreamError(Exception):
    pass


async def count_unread(user_id: int) -> int:
    """Stands in for a slow query or upstream call; 0 is the most common answer."""
    await asyncio.sleep(0.2)
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
