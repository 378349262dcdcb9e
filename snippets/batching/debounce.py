"""Debounce autosaves: one write per quiet period, and every caller gets that write's result."""

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Generic, TypedDict, TypeVar

from fastapi import Depends, FastAPI, HTTPException, Request
from pydantic import BaseModel, Field

DEBOUNCE_SECONDS = float(os.environ.get("DEBOUNCE_SECONDS", "0.5"))

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
R = TypeVar("R")


# region debouncer
@dataclass
class _Pending(Generic[V, R]):
    value: V
    result: asyncio.Future[R]
    timer: asyncio.TimerHandle | None = field(default=None)


class Debouncer(Generic[K, V, R]):
    """Runs action(key, latest value) once a key has been quiet for `delay` seconds."""

    def __init__(self, action: Callable[[K, V], Awaitable[R]], delay: float) -> None:
        self._action = action
        self._delay = delay
        self._pending: dict[K, _Pending[V, R]] = {}
        self._running: set[asyncio.Task[None]] = set()

    async def submit(self, key: K, value: V) -> R:
        loop = asyncio.get_running_loop()
        pending = self._pending.get(key)
        if pending is None:
            pending = self._pending[key] = _Pending(value, loop.create_future())
        else:
            pending.value = value
        if pending.timer is not None:
            pending.timer.cancel()  # restart the quiet period: a timer, not a task anyone awaits
        pending.timer = loop.call_later(self._delay, self._start, key)
        # shield: a caller that disconnects must not cancel the result the other callers share
        return await asyncio.shield(pending.result)

    def _start(self, key: K) -> None:
        pending = self._pending.pop(key)
        task = asyncio.create_task(self._run(key, pending))
        self._running.add(task)  # keep a reference until it finishes
        task.add_done_callback(self._running.discard)

    async def _run(self, key: K, pending: _Pending[V, R]) -> None:
        try:
            pending.result.set_result(await self._action(key, pending.value))
        except Exception as error:  # every caller of this round gets the error
            pending.result.set_exception(error)

    async def flush(self) -> None:
        """Run every pending action now (at shutdown) and wait for all runs to finish."""
        for key, pending in list(self._pending.items()):
            if pending.timer is not None:
                pending.timer.cancel()
            self._start(key)
        await asyncio.gather(*self._running)


# endregion debouncer


class DraftIn(BaseModel):
    text: str = Field(max_length=100_000)


class Saved(BaseModel):
    draft_id: int
    version: int
    text: str


class StoreUnavailable(Exception):
    pass


_store: dict[int, Saved] = {}


async def save_draft(draft_id: int, draft: DraftIn) -> Saved:
    """Stands in for a slow write (a database row, an object store)."""
    await asyncio.sleep(0.05)
    previous = _store.get(draft_id)
    saved = Saved(draft_id=draft_id, version=previous.version + 1 if previous else 1, text=draft.text)
    _store[draft_id] = saved
    return saved


# region app
class State(TypedDict):
    autosave: Debouncer[int, DraftIn, Saved]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    autosave = Debouncer(lambda draft_id, draft: save_draft(draft_id, draft), DEBOUNCE_SECONDS)
    try:
        yield {"autosave": autosave}
    finally:
        await autosave.flush()  # the last edits are written, not dropped


def get_autosave(request: Request) -> Debouncer[int, DraftIn, Saved]:
    return request.state.autosave


app = FastAPI(lifespan=lifespan)


@app.put("/drafts/{draft_id}")
async def autosave_draft(
    draft_id: int, draft: DraftIn, autosave: Annotated[Debouncer[int, DraftIn, Saved], Depends(get_autosave)]
) -> Saved:
    try:
        return await autosave.submit(draft_id, draft)
    except StoreUnavailable as error:
        raise HTTPException(503, "draft not saved, retry") from error


# endregion app
