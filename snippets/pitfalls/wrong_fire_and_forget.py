"""WRONG: asyncio.create_task with the task thrown away (compare background/task_runner.py)."""

import asyncio
import logging
import os
from typing import Annotated

from fastapi import FastAPI, Path
from pydantic import BaseModel

REPORT_SECONDS = float(os.environ.get("REPORT_SECONDS", "1"))

logger = logging.getLogger(__name__)
app = FastAPI()


class Accepted(BaseModel):
    report_id: int
    status: str


async def build_report(report_id: int) -> None:
    """Stands in for slow in-process work: calls to other services, a file to render."""
    await asyncio.sleep(REPORT_SECONDS)
    logger.info("report %d ready", report_id)


# region wrong-fire-and-forget
@app.post("/reports/{report_id}", status_code=202)
async def start_report(report_id: Annotated[int, Path(ge=1)]) -> Accepted:
    # WRONG: the loop keeps only a weak reference (the task can be collected mid-run), and
    # nothing waits for it or cancels it at shutdown.
    asyncio.create_task(build_report(report_id))  # noqa: RUF006
    return Accepted(report_id=report_id, status="started")


# endregion wrong-fire-and-forget
