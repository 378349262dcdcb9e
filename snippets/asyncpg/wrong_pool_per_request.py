"""WRONG: a new asyncpg pool for every request."""

import os
from collections.abc import AsyncIterator
from typing import Annotated

import asyncpg
from fastapi import Depends, FastAPI, HTTPException, Path

DATABASE_URL = os.environ["DATABASE_URL"]
app = FastAPI()


# region wrong-pool-per-request
async def get_connection() -> AsyncIterator[asyncpg.Connection]:
    pool = await asyncpg.create_pool(DATABASE_URL, timeout=5)  # WRONG: opens min_size=10 connections
    try:
        async with pool.acquire(timeout=5) as connection:
            yield connection
    finally:
        await pool.close()


# endregion wrong-pool-per-request


@app.get("/products/{product_id}")
async def read_product(
    product_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    connection: Annotated[asyncpg.Connection, Depends(get_connection)],
) -> dict[str, str]:
    sku = await connection.fetchval("SELECT sku FROM products WHERE id = $1", product_id)
    if sku is None:
        raise HTTPException(404, "product not found")
    return {"sku": sku}
