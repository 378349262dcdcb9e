"""Stream a CSV export from PostgreSQL through a server-side cursor, one bounded batch at a time."""

import csv
import io
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, TypedDict

import asyncpg
from fastapi import Depends, FastAPI, Request
from fastapi.responses import StreamingResponse

DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/shop")
BATCH_SIZE = int(os.environ.get("EXPORT_BATCH_SIZE", "1000"))


class State(TypedDict):
    pool: asyncpg.Pool


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    async with asyncpg.create_pool(
        DATABASE_URL, min_size=1, max_size=10, timeout=10, command_timeout=30
    ) as pool:
        yield {"pool": pool}


def get_pool(request: Request) -> asyncpg.Pool:
    return request.state.pool


app = FastAPI(lifespan=lifespan)


# region csv-batches
async def product_rows_as_csv(pool: asyncpg.Pool) -> AsyncIterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "name", "price"])
    # A cursor lives in a transaction; REPEATABLE READ gives the whole export one snapshot.
    async with (
        pool.acquire(timeout=5) as connection,
        connection.transaction(isolation="repeatable_read", readonly=True),
    ):
        cursor = await connection.cursor("SELECT id, name, price FROM products ORDER BY id")
        while rows := await cursor.fetch(BATCH_SIZE):  # at most BATCH_SIZE rows in memory
            writer.writerows(rows)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():  # an empty table: the header alone
        yield buffer.getvalue()


@app.get("/products.csv")
async def export_products(pool: Annotated[asyncpg.Pool, Depends(get_pool)]) -> StreamingResponse:
    return StreamingResponse(
        product_rows_as_csv(pool),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="products.csv"'},
    )


# endregion csv-batches
