"""The lifespan opens every shared resource once, hands it to requests and closes it on shutdown."""

import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Annotated, TypedDict

import asyncpg
import httpx
from fastapi import Depends, FastAPI, HTTPException, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from redis.asyncio import Redis
from redis.exceptions import RedisError

DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/app")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
AVATARS_URL = os.environ.get("AVATARS_URL", "http://127.0.0.1:8001")
ACQUIRE_TIMEOUT = float(os.environ.get("DB_ACQUIRE_TIMEOUT", "5"))


# region lifespan
class State(TypedDict):
    http: httpx.AsyncClient
    redis: Redis
    db: asyncpg.Pool


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    async with AsyncExitStack() as stack:  # closes in reverse order, also if a later step fails
        http = await stack.enter_async_context(
            httpx.AsyncClient(
                timeout=httpx.Timeout(5, connect=1),
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
            )
        )
        redis = await stack.enter_async_context(
            Redis.from_url(REDIS_URL, socket_timeout=5, socket_connect_timeout=2)
        )
        await redis.ping()  # fail at startup, not on the first request
        db = await stack.enter_async_context(
            asyncpg.create_pool(DATABASE_URL, min_size=1, max_size=10, timeout=5, command_timeout=5)
        )
        yield {"http": http, "redis": redis, "db": db}


app = FastAPI(lifespan=lifespan)
# endregion lifespan


# region dependencies
def get_http(request: Request) -> httpx.AsyncClient:
    return request.state.http


def get_redis(request: Request) -> Redis:
    return request.state.redis


def get_db(request: Request) -> asyncpg.Pool:
    return request.state.db


Http = Annotated[httpx.AsyncClient, Depends(get_http)]
Cache = Annotated[Redis, Depends(get_redis)]
Db = Annotated[asyncpg.Pool, Depends(get_db)]
# endregion dependencies


@app.exception_handler(TimeoutError)  # asyncpg: no free connection in time (or a query over command_timeout)
@app.exception_handler(RedisError)
async def unavailable(request: Request, error: Exception) -> JSONResponse:
    return JSONResponse({"detail": "service unavailable"}, status_code=503, headers={"Retry-After": "5"})


# region route
UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]  # PostgreSQL integer: a larger id fails in asyncpg


class Avatar(BaseModel):
    url: str


class User(BaseModel):
    id: int
    name: str
    visits: int
    avatar: str


@app.get("/users/{user_id}")
async def read_user(user_id: UserId, db: Db, cache: Cache, http: Http) -> User:
    async with db.acquire(timeout=ACQUIRE_TIMEOUT) as connection:  # db.fetchval() would wait forever
        name = await connection.fetchval("SELECT name FROM users WHERE id = $1", user_id)
    if name is None:
        raise HTTPException(404, "no such user")
    visits = await cache.incr(f"visits:{user_id}")
    try:
        response = await http.get(f"{AVATARS_URL}/avatars/{user_id}")
        response.raise_for_status()
        avatar = Avatar.model_validate_json(response.content)
    except (httpx.HTTPError, ValidationError):  # unreachable, slow, an error status, a malformed answer
        raise HTTPException(502, "avatar service failed") from None
    return User(id=user_id, name=name, visits=visits, avatar=avatar.url)


# endregion route
