"""SQLAlchemy 2 async ORM: engine in the lifespan, one session per request, 404 / 409 / 503 answers."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, TypedDict

from fastapi import Body, Depends, FastAPI, HTTPException, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import String, exc, make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

DATABASE_URL = make_url(os.environ["DATABASE_URL"]).set(drivername="postgresql+asyncpg")
POOL_SIZE = int(os.environ.get("DB_POOL_SIZE", "5"))
MAX_OVERFLOW = int(os.environ.get("DB_MAX_OVERFLOW", "5"))
POOL_TIMEOUT = float(os.environ.get("DB_POOL_TIMEOUT", "5"))
CONNECT_TIMEOUT = float(os.environ.get("DB_CONNECT_TIMEOUT", "5"))


class Base(DeclarativeBase): ...


class Product(Base):
    __tablename__ = "products"
    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class ProductIn(BaseModel):
    sku: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)


ProductId = Annotated[int, Path(ge=1, le=2**31 - 1)]  # PostgreSQL integer: larger ids fail in the driver
ProductsIn = Annotated[list[ProductIn], Body(min_length=1, max_length=100)]


class ProductOut(ProductIn):
    model_config = ConfigDict(from_attributes=True)
    id: int


# region engine
class State(TypedDict):
    sessionmaker: async_sessionmaker[AsyncSession]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    engine = create_async_engine(
        DATABASE_URL,
        pool_size=POOL_SIZE,  # per worker process: workers x (pool_size + max_overflow) < max_connections
        max_overflow=MAX_OVERFLOW,
        pool_timeout=POOL_TIMEOUT,  # wait for a free connection this long, then exc.TimeoutError
        pool_pre_ping=True,  # replace connections the server closed while they sat in the pool
        connect_args={"timeout": CONNECT_TIMEOUT, "command_timeout": 30},  # asyncpg: connect, per query (s)
    )
    try:
        async with engine.begin() as connection:  # keeps the demo self-contained; ship migrations
            await connection.run_sync(Base.metadata.create_all)
        yield {"sessionmaker": async_sessionmaker(engine, expire_on_commit=False)}
    finally:
        await engine.dispose()


# endregion engine
# region session
async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.state.sessionmaker() as session:  # closed (and rolled back) after the request
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]
# endregion session

app = FastAPI(lifespan=lifespan)


# region unavailable
@app.exception_handler(OSError)  # asyncpg's refused or timed-out connections arrive unwrapped
@app.exception_handler(exc.TimeoutError)  # no pooled connection became free within pool_timeout
async def database_unavailable(request: Request, error: Exception) -> JSONResponse:
    return JSONResponse({"detail": "database unavailable"}, status_code=503, headers={"Retry-After": "5"})


# endregion unavailable
# region routes
@app.post("/products", status_code=201)
async def create_products(products: ProductsIn, session: SessionDep) -> list[ProductOut]:
    rows = [Product(**product.model_dump()) for product in products]
    session.add_all(rows)
    try:
        await session.commit()  # all rows or none
    except exc.IntegrityError:
        raise HTTPException(409, "a product with this sku already exists") from None
    return [ProductOut.model_validate(row) for row in rows]


@app.get("/products/{product_id}")
async def read_product(product_id: ProductId, session: SessionDep) -> ProductOut:
    product = await session.get(Product, product_id)
    if product is None:
        raise HTTPException(404, "product not found")
    return ProductOut.model_validate(product)


# endregion routes
