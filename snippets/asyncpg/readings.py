"""asyncpg batch writes (COPY, executemany) and a server-side cursor streaming a large read."""

import os
from collections.abc import AsyncIterable, AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, TypedDict

import asyncpg
from fastapi import Body, Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, Field

DATABASE_URL = os.environ["DATABASE_URL"]
ACQUIRE_TIMEOUT = float(os.environ.get("DB_ACQUIRE_TIMEOUT", "5"))
SCHEMA = """
CREATE TABLE IF NOT EXISTS readings (
    sensor varchar(32) NOT NULL,
    taken_at timestamptz NOT NULL,
    value double precision NOT NULL,
    PRIMARY KEY (sensor, taken_at))
"""


class Reading(BaseModel):
    sensor: str = Field(min_length=1, max_length=32)
    taken_at: AwareDatetime
    value: float = Field(allow_inf_nan=False)

    def record(self) -> tuple[str, datetime, float]:
        return (self.sensor, self.taken_at, self.value)


Batch = Annotated[list[Reading], Body(min_length=1, max_length=10_000)]  # bounds memory per request


class State(TypedDict):
    pool: asyncpg.Pool


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    async with asyncpg.create_pool(
        DATABASE_URL, min_size=1, max_size=10, timeout=5, command_timeout=30
    ) as pool:
        await pool.execute(SCHEMA)
        yield {"pool": pool}


async def get_connection(request: Request) -> AsyncIterator[asyncpg.Connection]:
    pool: asyncpg.Pool = request.state.pool
    try:
        connection = await pool.acquire(timeout=ACQUIRE_TIMEOUT)
    except (
        OSError,
        asyncpg.PostgresConnectionError,
    ) as error:  # pool exhausted (TimeoutError) or server down
        raise HTTPException(503, "database unavailable", headers={"Retry-After": "5"}) from error
    try:
        yield connection  # default scope: held until the response, streams included, has been sent
    finally:
        await pool.release(connection)


ConnectionDep = Annotated[asyncpg.Connection, Depends(get_connection)]
app = FastAPI(lifespan=lifespan)


@app.exception_handler(TimeoutError)  # a batch that ran past command_timeout
async def database_timeout(request: Request, error: Exception) -> JSONResponse:
    return JSONResponse({"detail": "database timeout"}, status_code=504)


# region copy
@app.post("/readings", status_code=201)
async def add_readings(readings: Batch, connection: ConnectionDep) -> dict[str, int]:
    try:  # one binary COPY: every row or none
        await connection.copy_records_to_table(
            "readings", records=[r.record() for r in readings], columns=["sensor", "taken_at", "value"]
        )
    except asyncpg.UniqueViolationError:
        raise HTTPException(409, "a reading for this sensor and time already exists") from None
    return {"added": len(readings)}


# endregion copy


# region executemany
@app.put("/readings")
async def upsert_readings(readings: Batch, connection: ConnectionDep) -> dict[str, int]:
    await connection.executemany(  # prepared once, run for every row; atomic since asyncpg 0.22
        """INSERT INTO readings (sensor, taken_at, value) VALUES ($1, $2, $3)
        ON CONFLICT (sensor, taken_at) DO UPDATE SET value = excluded.value""",
        [r.record() for r in readings],
    )
    return {"written": len(readings)}


# endregion executemany


# region cursor
@app.get("/readings")
async def export_readings(connection: ConnectionDep) -> AsyncIterable[Reading]:  # JSON Lines
    async with connection.transaction(readonly=True):  # a cursor lives inside a transaction
        query = "SELECT sensor, taken_at, value FROM readings ORDER BY sensor, taken_at"
        async for row in connection.cursor(query, prefetch=500):  # 500 rows in memory at a time
            yield Reading.model_validate(dict(row))


# endregion cursor
