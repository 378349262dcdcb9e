"""A durable job queue on Redis with taskiq: jobs survive app restarts and worker crashes.

Run the worker beside the app:  taskiq worker durable_queue:broker --workers 1
"""

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Literal

from fastapi import FastAPI, Path
from pydantic import BaseModel, Field
from taskiq.serializers import JSONSerializer
from taskiq_redis import RedisAsyncResultBackend, RedisStreamBroker

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
# A job whose worker died unacknowledged goes to another worker after this idle time.
REDELIVER_AFTER_MS = int(os.environ.get("REDELIVER_AFTER_MS", str(10 * 60 * 1000)))
RENDER_SECONDS = float(os.environ.get("RENDER_SECONDS", "0.1"))

# region broker
# Redis Streams + consumer group: a job is acknowledged only after its result is saved.
TIMEOUTS = {"socket_timeout": 5, "socket_connect_timeout": 2}  # socket_timeout > the 2 s XREADGROUP block
broker = RedisStreamBroker(REDIS_URL, idle_timeout=REDELIVER_AFTER_MS, **TIMEOUTS).with_result_backend(
    RedisAsyncResultBackend(REDIS_URL, result_ex_time=24 * 3600, serializer=JSONSerializer(), **TIMEOUTS)
)


@broker.task(task_name="thumbnails.render")
async def render_thumbnail(image_id: int, width: int) -> str:
    """Runs in the worker process. May run twice after a crash: keep it idempotent."""
    await asyncio.sleep(RENDER_SECONDS)  # stands in for real work
    return f"thumbnails/{image_id}-{width}.png"


# endregion broker


# region app
@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    await broker.startup()  # the app only sends jobs and reads results
    try:
        yield
    finally:
        await broker.shutdown()


app = FastAPI(lifespan=lifespan)


class ThumbnailRequest(BaseModel):
    image_id: int = Field(ge=1)
    width: int = Field(ge=16, le=4096)


class Job(BaseModel):
    id: str
    status: Literal["queued", "done", "failed"]
    result: str | None = None


@app.post("/thumbnails", status_code=202)
async def request_thumbnail(request: ThumbnailRequest) -> Job:
    task = await render_thumbnail.kiq(request.image_id, request.width)  # one XADD; returns at once
    return Job(id=task.task_id, status="queued")


@app.get("/jobs/{job_id}")
async def job_status(job_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]) -> Job:  # taskiq's uuid4().hex
    if not await broker.result_backend.is_result_ready(job_id):
        return Job(id=job_id, status="queued")
    result = await broker.result_backend.get_result(job_id)
    if result.is_err:
        return Job(id=job_id, status="failed")
    return Job(id=job_id, status="done", result=result.return_value)


# endregion app
