"""asyncpg directly: one pool in the lifespan, a transaction per write, rows into response models."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, TypedDict

import asyncpg
from fastapi import Depends, FastAPI, HTTPException, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

DATABASE_URL = os.environ["DATABASE_URL"]
POOL_SIZE = int(os.environ.get("DB_POOL_SIZE", "10"))
ACQUIRE_TIMEOUT = float(os.environ.get("DB_ACQUIRE_TIMEOUT", "5"))
STATEMENT_TIMEOUT_MS = os.environ.get("DB_STATEMENT_TIMEOUT_MS", "5000")
COMMAND_TIMEOUT = float(os.environ.get("DB_COMMAND_TIMEOUT", "10"))
SCHEMA = """
CREATE TABLE IF NOT EXISTS products (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sku varchar(32) NOT NULL UNIQUE, stock integer NOT NULL CHECK (stock >= 0));
CREATE TABLE IF NOT EXISTS orders (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id integer NOT NULL REFERENCES products, quantity integer NOT NULL);
"""


class Product(BaseModel):
    id: int
    sku: str
    stock: int


class OrderIn(BaseModel):
    quantity: int = Field(ge=1, le=1000)


ProductId = Annotated[int, Path(ge=1, le=2**31 - 1)]  # PostgreSQL integer: asyncpg rejects larger


# region pool
class State(TypedDict):
    pool: asyncpg.Pool


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    async with asyncpg.create_pool(  # one pool per process, closed on shutdown
        DATABASE_URL,
        min_size=1,
        max_size=POOL_SIZE,  # per worker process: workers x max_size < max_connections
        timeout=5,  # seconds to open a connection
        command_timeout=COMMAND_TIMEOUT,  # client-side limit per query: TimeoutError
        server_settings={"statement_timeout": STATEMENT_TIMEOUT_MS},  # the server cancels slower statements
    ) as pool:
        await pool.execute(SCHEMA)  # keeps the demo self-contained; ship migrations
        yield {"pool": pool}


# endregion pool
# region connection
async def get_connection(request: Request) -> AsyncIterator[asyncpg.Connection]:
    pool: asyncpg.Pool = request.state.pool
    try:
        connection = await pool.acquire(timeout=ACQUIRE_TIMEOUT)
    except (OSError, asyncpg.PostgresConnectionError, asyncpg.TooManyConnectionsError) as error:
        # refused, timed out (pool exhausted or server unreachable), or the server is full
        raise HTTPException(503, "database unavailable", headers={"Retry-After": "5"}) from error
    try:
        yield connection
    finally:
        await pool.release(connection)


ConnectionDep = Annotated[asyncpg.Connection, Depends(get_connection)]
# endregion connection

app = FastAPI(lifespan=lifespan)


# region errors
@app.exception_handler(asyncpg.QueryCanceledError)  # statement_timeout
@app.exception_handler(TimeoutError)  # command_timeout
async def database_timeout(request: Request, error: Exception) -> JSONResponse:
    return JSONResponse({"detail": "database timeout"}, status_code=504)


@app.exception_handler(asyncpg.PostgresConnectionError)  # the connection died in the middle of a query
async def database_gone(request: Request, error: Exception) -> JSONResponse:
    return JSONResponse({"detail": "database unavailable"}, status_code=503, headers={"Retry-After": "5"})


# endregion errors
# region routes
@app.get("/products/{product_id}")
async def read_product(product_id: ProductId, connection: ConnectionDep) -> Product:
    row = await connection.fetchrow("SELECT id, sku, stock FROM products WHERE id = $1", product_id)
    if row is None:
        raise HTTPException(404, "product not found")
    return Product.model_validate(dict(row))


@app.post("/products/{product_id}/orders", status_code=201)
async def order_product(product_id: ProductId, order: OrderIn, connection: ConnectionDep) -> OrderIn:
    values = (product_id, order.quantity)
    try:
        async with connection.transaction():  # both statements or neither
            await connection.execute("INSERT INTO orders (product_id, quantity) VALUES ($1, $2)", *values)
            await connection.execute("UPDATE products SET stock = stock - $2 WHERE id = $1", *values)
    except asyncpg.ForeignKeyViolationError:
        raise HTTPException(404, "product not found") from None
    except asyncpg.CheckViolationError:
        raise HTTPException(409, "not enough stock") from None
    return order


# endregion routes
