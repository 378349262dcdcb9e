"""Buffer writes in memory and insert them in batches: on size, on time, and at shutdown."""

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Annotated, Self, TypedDict

import asyncpg
from fastapi import Depends, FastAPI, HTTPException, Request
from pydantic import BaseModel, Field

DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/app")
BATCH_MAX_SIZE = int(os.environ.get("BATCH_MAX_SIZE", "500"))
BATCH_MAX_DELAY = float(os.environ.get("BATCH_MAX_DELAY", "1.0"))  # seconds a row may wait
BATCH_MAX_PENDING = int(os.environ.get("BATCH_MAX_PENDING", "10000"))  # memory bound

logger = logging.getLogger(__name__)

Row = tuple[str, int]


class PageView(BaseModel):
    path: str = Field(min_length=1, max_length=2000)
    user_id: int = Field(ge=0)


class BufferFull(Exception):
    pass


# region batch-writer
class BatchWriter:
    """Collects rows and writes each batch with one COPY, from a single flusher task."""

    def __init__(self, pool: asyncpg.Pool, max_size: int, max_delay: float, max_pending: int) -> None:
        self._pool = pool
        self._max_size, self._max_delay, self._max_pending = max_size, max_delay, max_pending
        self._buffer: list[Row] = []
        self._full = asyncio.Event()
        self._closing = False
        self._flusher: asyncio.Task[None] | None = None

    def add(self, row: Row) -> None:
        if self._closing or len(self._buffer) >= self._max_pending:
            raise BufferFull  # shed load instead of growing without bound
        self._buffer.append(row)
        if len(self._buffer) >= self._max_size:
            self._full.set()

    async def _run(self) -> None:
        while not self._closing:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._max_delay):
                    await self._full.wait()
            self._full.clear()
            await self._flush()

    async def _flush(self) -> None:
        while self._buffer:  # also drains rows added while a batch was being written
            batch = self._buffer[: self._max_size]
            del self._buffer[: len(batch)]
            try:
                await self._write(batch)
            except Exception:  # the flusher must outlive a failed batch
                logger.exception("dropped a batch of %d page views", len(batch))

    async def _write(self, batch: list[Row]) -> None:
        await self._pool.copy_records_to_table(
            "page_views", records=batch, columns=["path", "user_id"], timeout=10
        )

    async def __aenter__(self) -> Self:
        self._flusher = asyncio.create_task(self._run())
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._closing = True  # the flusher writes what is left, then returns
        self._full.set()
        if self._flusher is not None:
            await self._flusher


# endregion batch-writer


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
