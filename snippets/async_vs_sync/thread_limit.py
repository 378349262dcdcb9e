"""Size the worker-thread pool that runs `def` endpoints and dependencies."""

import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

THREAD_LIMIT = int(os.environ.get("THREAD_LIMIT", "40"))


# region thread-limit
@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # One limiter per event loop (per worker process), shared by every `def` endpoint,
    # `def` dependency and `anyio.to_thread.run_sync` call. AnyIO's default is 40.
    anyio.to_thread.current_default_thread_limiter().total_tokens = THREAD_LIMIT
    yield


app = FastAPI(lifespan=lifespan)
# endregion thread-limit


def call_legacy_sdk() -> str:
    """Stands in for a blocking library call."""
    time.sleep(0.5)
    return "done"


@app.get("/legacy")
def legacy() -> dict[str, str]:
    return {"result": call_legacy_sdk()}
