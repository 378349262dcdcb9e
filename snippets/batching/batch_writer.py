"""Buffer rows in memory and write them in batches with COPY: on size, on time, and at shutdown."""

import asyncio
import contextlib
import logging
from typing import Self

import asyncpg

logger = logging.getLogger(__name__)

Row = tuple[str, int]


class BufferFull(Exception): ...


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
        while True:  # closing sets _full, so the last round starts at once and writes everything
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._max_delay):
                    await self._full.wait()
            self._full.clear()
            await self._flush()
            if self._closing:
                return

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

    async def __aexit__(self, *exc_info: object) -> None:
        self._closing = True  # the flusher writes what is left, then returns
        self._full.set()
        if self._flusher is not None:
            await self._flusher


# endregion batch-writer
