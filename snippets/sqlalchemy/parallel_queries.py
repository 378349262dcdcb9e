"""Parallel queries: a session per task, or one combined query. Never one session across tasks."""

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


def get_sessionmaker(request: Request) -> async_sessionmaker[AsyncSession]:
    return request.state.sessionmaker


SessionmakerDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_sessionmaker)]
app = FastAPI(lifespan=lifespan)


# region session-per-task
async def count(sessionmaker: async_sessionmaker[AsyncSession], query: Select[tuple[int]]) -> int:
    async with sessionmaker() as session:  # its own session, so its own pooled connection
        return await session.scalar(query) or 0


@app.get("/dashboard")
async def dashboard(sessionmaker: SessionmakerDep) -> Dashboard:
    async with asyncio.TaskGroup() as group:  # one failure cancels the other queries
        tasks = {name: group.create_task(count(sessionmaker, query)) for name, query in COUNTS.items()}
    return Dashboard(**{name: task.result() for name, task in tasks.items()})


# endregion session-per-task


# region one-query
@app.get("/dashboard/combined")
async def dashboard_combined(sessionmaker: SessionmakerDep) -> Dashboard:
    combined = select(*(query.scalar_subquery().label(name) for name, query in COUNTS.items()))
    async with sessionmaker() as session:  # one round trip, one connection
        row = (await session.execute(combined)).one()
    return Dashboard.model_validate(row._asdict())


# endregion one-query
