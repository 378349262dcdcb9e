"""Buffer writes in memory and insert them in batches: on size, on time, and at shutdown."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, TypedDict

import asyncpg
from batch_writer import BatchWriter, BufferFull  # snippets/batching/batch_writer.py
from fastapi import Depends, FastAPI, HTTPException, Request
from pydantic import BaseModel, Field

DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/app")
BATCH_MAX_SIZE = int(os.environ.get("BATCH_MAX_SIZE", "500"))
BATCH_MAX_DELAY = float(os.environ.get("BATCH_MAX_DELAY", "1.0"))  # seconds a row may wait
BATCH_MAX_PENDING = int(os.environ.get("BATCH_MAX_PENDING", "10000"))  # memory bound


class PageView(BaseModel):
    path: str = Field(min_length=1, max_length=2000)
    user_id: int = Field(ge=0)


# region lifespan
class State(TypedDict):
    writer: BatchWriter


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    async with asyncpg.create_pool(
        DATABASE_URL, min_size=1, max_size=4, timeout=5, command_timeout=10
    ) as pool:
        await pool.execute(
            "CREATE TABLE IF NOT EXISTS page_views (path text NOT NULL, user_id bigint NOT NULL)"
        )
        async with BatchWriter(pool, BATCH_MAX_SIZE, BATCH_MAX_DELAY, BATCH_MAX_PENDING) as writer:
            yield {"writer": writer}  # leaving this block flushes before the pool closes


def get_writer(request: Request) -> BatchWriter:
    return request.state.writer


WriterDep = Annotated[BatchWriter, Depends(get_writer)]
# endregion lifespan

app = FastAPI(lifespan=lifespan)


# region route
@app.post("/views", status_code=202)
async def record_view(view: PageView, writer: WriterDep) -> None:
    try:
        writer.add((view.path, view.user_id))
    except BufferFull as error:
        raise HTTPException(503, "too many pending writes", headers={"Retry-After": "1"}) from error


# endregion route
