"""One computation per missing key across worker processes: the per-process cache plus a Redis lock."""

import contextlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from cache import MISS, Cache, CacheDep, State, UpstreamError, count_unread  # snippets/caching/cache.py
from fastapi import FastAPI, HTTPException
from redis.asyncio import Redis
from redis.exceptions import RedisError

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHE_TTL_SECONDS = int(os.environ.get("CACHE_TTL_SECONDS", "60"))
CACHE_LOCK_SECONDS = float(os.environ.get("CACHE_LOCK_SECONDS", "30"))  # above the slowest computation


# region cluster-lock
class ClusterCache(Cache):
    """Also one computation per key across processes: whoever holds a Redis lock computes."""

    def __init__(self, client: Redis, ttl_seconds: int, lock_seconds: float) -> None:
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


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    async with Redis.from_url(REDIS_URL, socket_connect_timeout=1.0, socket_timeout=1.0) as client:
        cache = ClusterCache(client, CACHE_TTL_SECONDS, CACHE_LOCK_SECONDS)
        try:
            yield {"cache": cache}
        finally:
            await cache.aclose()


app = FastAPI(lifespan=lifespan)


@app.get("/users/{user_id}/unread")
async def unread(user_id: int, cache: CacheDep) -> dict[str, int]:
    try:
        count = await cache.get_or_compute(f"unread:{user_id}", lambda: count_unread(user_id))
    except UpstreamError as error:
        raise HTTPException(503, "unread count unavailable, retry later") from error
    return {"unread": count}
