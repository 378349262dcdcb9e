"""Graceful shutdown: requests in flight finish, background jobs are drained, then cancelled."""

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, TypedDict

from fastapi import Depends, FastAPI, Query, Request

DRAIN_SECONDS = float(os.environ.get("DRAIN_SECONDS", "10"))
logger = logging.getLogger("uvicorn.error")  # uvicorn's handler prints it


# region drain-jobs
async def run_job(name: str, seconds: float) -> None:
    try:
        await asyncio.sleep(seconds)  # stands for real work
        logger.info("job %s finished", name)
    except asyncio.CancelledError:
        logger.warning("job %s cancelled at shutdown", name)
        raise


class State(TypedDict):
    jobs: set[asyncio.Task[None]]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    jobs: set[asyncio.Task[None]] = set()
    yield {"jobs": jobs}
    # uvicorn runs this after the last connection closed: give jobs a deadline, then cancel.
    if jobs:
        logger.info("draining %d job(s) for up to %.0f s", len(jobs), DRAIN_SECONDS)
        _, unfinished = await asyncio.wait(jobs, timeout=DRAIN_SECONDS)
        for task in unfinished:
            task.cancel()
        await asyncio.gather(*unfinished, return_exceptions=True)


app = FastAPI(lifespan=lifespan)


def get_jobs(request: Request) -> set[asyncio.Task[None]]:
    return request.state.jobs


@app.post("/jobs", status_code=202)
async def start_job(
    name: Annotated[str, Query(max_length=100)],
    seconds: Annotated[float, Query(gt=0, le=3600)],
    jobs: Annotated[set[asyncio.Task[None]], Depends(get_jobs)],
) -> dict[str, int]:
    task = asyncio.create_task(run_job(name, seconds))
    jobs.add(task)  # keep a reference, or the task can be garbage-collected mid-run
    task.add_done_callback(jobs.discard)
    return {"running": len(jobs)}


# endregion drain-jobs

in_flight = 0  # per process: lets a test see that a request reached its handler


@app.get("/slow")
async def slow(seconds: Annotated[float, Query(gt=0, le=60)]) -> dict[str, float]:
    global in_flight
    in_flight += 1
    try:
        await asyncio.sleep(seconds)  # stands for a slow query or upstream call
        return {"slept": seconds}
    finally:
        in_flight -= 1


@app.get("/in-flight")
async def requests_in_flight() -> dict[str, int]:
    return {"slow": in_flight}
