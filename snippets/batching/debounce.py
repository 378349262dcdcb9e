"""Debounce autosaves: one write per quiet period, and every caller gets that write's result."""

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, TypedDict

from debouncer import Debouncer  # snippets/batching/debouncer.py
from fastapi import Depends, FastAPI, HTTPException, Request
from pydantic import BaseModel, Field

DEBOUNCE_SECONDS = float(os.environ.get("DEBOUNCE_SECONDS", "0.5"))


class DraftIn(BaseModel):
    text: str = Field(max_length=100_000)


class Saved(BaseModel):
    draft_id: int
    version: int
    text: str


class StoreUnavailable(Exception): ...


_store: dict[int, Saved] = {}  # stands in for the database


async def save_draft(draft_id: int, draft: DraftIn) -> Saved:
    await asyncio.sleep(0.05)  # stands in for a slow write (a database row, an object store)
    previous = _store.get(draft_id)
    saved = Saved(draft_id=draft_id, version=previous.version + 1 if previous else 1, text=draft.text)
    _store[draft_id] = saved
    return saved


# region app
Autosave = Debouncer[int, DraftIn, Saved]


class State(TypedDict):
    autosave: Autosave


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    autosave = Debouncer(save_draft, DEBOUNCE_SECONDS)
    try:
        yield {"autosave": autosave}
    finally:
        await autosave.flush()  # the last edits are written, not dropped


def get_autosave(request: Request) -> Autosave:
    return request.state.autosave


AutosaveDep = Annotated[Autosave, Depends(get_autosave)]
app = FastAPI(lifespan=lifespan)


@app.put("/drafts/{draft_id}")
async def autosave_draft(draft_id: int, draft: DraftIn, autosave: AutosaveDep) -> Saved:
    try:
        return await autosave.submit(draft_id, draft)
    except StoreUnavailable as error:
        raise HTTPException(503, "draft not saved, retry") from error


# endregion app
