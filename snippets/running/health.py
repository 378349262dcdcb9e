"""Liveness never touches dependencies; readiness checks them, with a timeout."""

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, TypedDict

from fastapi import Depends, FastAPI, Request, Response, status
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

DATABASE_URL = make_url(os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")).set(
    drivername="postgresql+asyncpg"
)
READY_TIMEOUT_SECONDS = float(os.environ.get("READY_TIMEOUT_SECONDS", "2"))


class State(TypedDict):
    engine: AsyncEngine


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    engine = create_async_engine(DATABASE_URL, pool_timeout=10, connect_args={"timeout": 10})
    try:
        yield {"engine": engine}
    finally:
        await engine.dispose()


def get_engine(request: Request) -> AsyncEngine:
    return request.state.engine


EngineDep = Annotated[AsyncEngine, Depends(get_engine)]
app = FastAPI(lifespan=lifespan)


# region probes
@app.get("/livez")
async def liveness() -> dict[str, str]:
    return {"status": "alive"}  # the process and its event loop answer: nothing else


@app.get("/readyz")
async def readiness(engine: EngineDep, response: Response) -> dict[str, str]:
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:  # timeout, refused, auth, SQL: any failure means "no traffic here"
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return {"status": "unavailable", "database": type(error).__name__}
    return {"status": "ready", "database": "ok"}


# endregion probes
