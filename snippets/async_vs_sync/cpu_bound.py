"""CPU-bound work in a process pool owned by the lifespan (threads cannot run Python in parallel)."""

import asyncio
import multiprocessing
import os
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager
from typing import Annotated, TypedDict

import anyio.to_thread
from fastapi import Depends, FastAPI, Path, Request

CPU_WORKERS = int(os.environ.get("CPU_WORKERS", str(os.cpu_count() or 1)))


def count_primes(limit: int) -> int:
    """Pure-Python CPU work: holds the GIL from start to end."""
    return sum(all(n % d for d in range(2, int(n**0.5) + 1)) for n in range(2, limit))


# region process-pool
class State(TypedDict):
    cpu_pool: ProcessPoolExecutor


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    # "spawn": forking a process that already runs threads can deadlock the child.
    pool = ProcessPoolExecutor(CPU_WORKERS, mp_context=multiprocessing.get_context("spawn"))
    try:
        yield {"cpu_pool": pool}
    finally:
        await anyio.to_thread.run_sync(pool.shutdown)  # waits for running jobs, off the loop


def get_cpu_pool(request: Request) -> ProcessPoolExecutor:
    return request.state.cpu_pool


app = FastAPI(lifespan=lifespan)


@app.get("/primes/{limit}")
async def primes(
    limit: Annotated[int, Path(ge=2, le=2_000_000)],
    pool: Annotated[ProcessPoolExecutor, Depends(get_cpu_pool)],
) -> dict[str, int]:
    count = await asyncio.get_running_loop().run_in_executor(pool, count_primes, limit)
    return {"limit": limit, "primes": count}


# endregion process-pool
