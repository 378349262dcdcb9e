"""WRONG: one AsyncSession shared by concurrent tasks."""

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, TypedDict

from fastapi import Depends, FastAPI, Request
from pydantic import BaseModel
from sqlalchemy import Column, Integer, MetaData, Select, Table, func, make_url, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

DATABASE_URL = make_url(os.environ["DATABASE_URL"]).set(drivername="postgresql+asyncpg")
metadata = MetaData()
COUNTS: dict[str, Select[tuple[int]]] = {
    name: select(func.count()).select_from(Table(name, metadata, Column("id", Integer, primary_key=True)))
    for name in ("customers", "orders", "invoices")
}


class Dashboard(BaseModel):
    customers: int
    orders: int
    invoices: int


class State(TypedDict):
    sessionmaker: async_sessionmaker[AsyncSession]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    engine = create_async_engine(
        DATABASE_URL, pool_size=5, pool_timeout=5, connect_args={"timeout": 5, "command_timeout": 10}
    )
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        yield {"sessionmaker": async_sessionmaker(engine, expire_on_commit=False)}
    finally:
        await engine.dispose()


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.state.sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]
app = FastAPI(lifespan=lifespan)


# region wrong-shared-session
@app.get("/dashboard")
async def dashboard(session: SessionDep) -> Dashboard:
    # WRONG: one session, one connection: InvalidRequestError, or the queries run one after another
    customers, orders, invoices = await asyncio.gather(*(session.scalar(query) for query in COUNTS.values()))
    return Dashboard(customers=customers, orders=orders, invoices=invoices)


# endregion wrong-shared-session
