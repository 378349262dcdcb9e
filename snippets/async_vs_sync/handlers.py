"""The three right ways to do I/O in a path operation, side by side."""

import asyncio
import os
import time

import anyio
from fastapi import FastAPI

SLOW_CALL_SECONDS = float(os.environ.get("SLOW_CALL_SECONDS", "0.5"))

app = FastAPI()


def fetch_report_blocking() -> str:
    """Stands in for a blocking library: a sync SDK, requests, a sync database driver."""
    time.sleep(SLOW_CALL_SECONDS)
    return "ready"


async def fetch_report_async() -> str:
    """Stands in for an async library: httpx.AsyncClient, asyncpg, redis.asyncio."""
    await asyncio.sleep(SLOW_CALL_SECONDS)
    return "ready"


# region async-def
@app.get("/async")
async def read_async() -> dict[str, str]:
    # `await` hands the event loop to other requests until the I/O completes.
    return {"report": await fetch_report_async()}


# endregion async-def


# region sync-def
@app.get("/sync")
def read_sync() -> dict[str, str]:
    # Plain `def`: FastAPI runs it in AnyIO's worker threads (40 at once per process).
    return {"report": fetch_report_blocking()}


# endregion sync-def


# region to-thread
@app.get("/mixed")
async def read_mixed() -> dict[str, str]:
    # Async endpoint that must call one blocking function: send that call to a worker thread.
    report = await anyio.to_thread.run_sync(fetch_report_blocking)
    return {"report": report}


# endregion to-thread


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
