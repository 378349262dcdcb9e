"""asyncio tasks that outlive the request: kept references, logged failures, drained on shutdown."""

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypedDict

from fastapi import Depends, FastAPI, Path, Request
from pydantic import BaseModel

DRAIN_SECONDS = float(os.environ.get("DRAIN_SECONDS", "10"))  # below the platform's kill timeout
REPORT_SECONDS = float(os.environ.get("REPORT_SECONDS", "1"))

logger = logging.getLogger(__name__)


# region task-runner
class TaskRunner:
    """Owns fire-and-forget tasks. The event loop keeps only weak references to tasks."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def running(self) -> int:
        return len(self._tasks)

    def spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(work, name=name)
        self._tasks.add(task)  # a strong reference until it is done
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            logger.error("background task %s failed", task.get_name(), exc_info=error)

    async def drain(self, grace_seconds: float) -> None:
        """Let running tasks finish for up to `grace_seconds`, then cancel the rest and wait."""
        if not self._tasks:
            return
        _, late = await asyncio.wait(self._tasks, timeout=grace_seconds)
        for task in late:
            logger.warning("cancelling background task %s at shutdown", task.get_name())
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)


# endregion task-runner


# region lifespan
class State(TypedDict):
    runner: TaskRunner


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    runner = TaskRunner()
    yield {"runner": runner}
    await runner.drain(DRAIN_SECONDS)  # after the server stopped taking requests


def get_runner(request: Request) -> TaskRunner:
    return request.state.runner


# endregion lifespan

app = FastAPI(lifespan=lifespan)


class Accepted(BaseModel):
    report_id: int
    status: str


async def build_report(report_id: int) -> None:
    """Stands in for slow in-process work: calls to other services, a file to render."""
    await asyncio.sleep(REPORT_SECONDS)
    logger.info("report %d ready", report_id)


# region spawn
@app.post("/reports/{report_id}", status_code=202)
async def start_report(
    report_id: Annotated[int, Path(ge=1)], runner: Annotated[TaskRunner, Depends(get_runner)]
) -> Accepted:
    runner.spawn(build_report(report_id), name=f"report-{report_id}")
    return Accepted(report_id=report_id, status="started")


# endregion spawn


@app.get("/health")
async def health(runner: Annotated[TaskRunner, Depends(get_runner)]) -> dict[str, int]:
    return {"background_tasks": runner.running}
