"""WRONG: a debouncer that cancels the task earlier callers are awaiting (they get 500s)."""

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, TypedDict

from fastapi import Depends, FastAPI, Request
from pydantic import BaseModel, Field

DEBOUNCE_SECONDS = float(os.environ.get("DEBOUNCE_SECONDS", "0.5"))


class DraftIn(BaseModel):
    text: str = Field(max_length=100_000)


class Saved(BaseModel):
    draft_id: int
    text: str


async def save_draft(draft_id: int, draft: DraftIn) -> Saved:
    await asyncio.sleep(0.05)
    return Saved(draft_id=draft_id, text=draft.text)


# region wrong-cancel-the-awaited-task
class CancellingDebouncer:
    def __init__(self, delay: float) -> None:
        self.delay = delay
        self._tasks: dict[int, asyncio.Task[Saved]] = {}

    async def submit(self, draft_id: int, draft: DraftIn) -> Saved:
        previous = self._tasks.get(draft_id)
        if previous is not None:
            previous.cancel()  # WRONG: the earlier request awaits this task and gets CancelledError
        task = self._tasks[draft_id] = asyncio.create_task(self._later(draft_id, draft))
        return await task

    async def _later(self, draft_id: int, draft: DraftIn) -> Saved:
        await asyncio.sleep(self.delay)
        return await save_draft(draft_id, draft)


# endregion wrong-cancel-the-awaited-task


class State(TypedDict):
    autosave: CancellingDebouncer


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    yield {"autosave": CancellingDebouncer(DEBOUNCE_SECONDS)}


def get_autosave(request: Request) -> CancellingDebouncer:
    return request.state.autosave


app = FastAPI(lifespan=lifespan)


@app.put("/drafts/{draft_id}")
async def autosave_draft(
    draft_id: int, draft: DraftIn, autosave: Annotated[CancellingDebouncer, Depends(get_autosave)]
) -> Saved:
    return await autosave.submit(draft_id, draft)
