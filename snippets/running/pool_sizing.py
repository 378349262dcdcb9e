"""A fixed-size asyncpg pool per process, opened at startup so a pool that does not fit fails the deploy."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, TypedDict

import asyncpg
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse

DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
# Every process gets its own pool: budget = instances x workers x POOL_SIZE (see the arithmetic).
POOL_SIZE = int(os.environ.get("POOL_SIZE", "5"))
ACQUIRE_TIMEOUT = float(os.environ.get("DB_ACQUIRE_TIMEOUT", "5"))


class State(TypedDict):
    pool: asyncpg.Pool


# region fixed-pool
@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    # min_size == max_size: all connections open now, so "too many connections" stops this
    # worker at startup instead of failing requests at the first traffic peak.
    async with asyncpg.create_pool(
        DATABASE_URL, min_size=POOL_SIZE, max_size=POOL_SIZE, timeout=5, command_timeout=5
    ) as pool:
        yield {"pool": pool}


# endregion fixed-pool


def get_pool(request: Request) -> asyncpg.Pool:
    return request.state.pool


PoolDep = Annotated[asyncpg.Pool, Depends(get_pool)]
app = FastAPI(lifespan=lifespan)


@app.exception_handler(TimeoutError)  # every connection stayed busy past the acquire timeout
async def pool_exhausted(request: Request, error: Exception) -> JSONResponse:
    return JSONResponse({"detail": "database busy"}, status_code=503, headers={"Retry-After": "1"})


@app.get("/now")
async def now(pool: PoolDep) -> dict[str, datetime | int]:
    async with pool.acquire(timeout=ACQUIRE_TIMEOUT) as connection:  # pool.fetchval() would wait forever
        return {"now": await connection.fetchval("SELECT now()"), "pool_size": pool.get_size()}
