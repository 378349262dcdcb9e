"""WRONG: racing bare coroutines with asyncio.wait (a TypeError since Python 3.11)."""

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypedDict

import httpx
from fastapi import Depends, FastAPI, Request
from pydantic import BaseModel

MIRROR_URLS = os.environ.get("MIRROR_URLS", "http://127.0.0.1:8001,http://127.0.0.1:8002").split(",")


class State(TypedDict):
    http: httpx.AsyncClient


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(5, connect=1)) as http:
        yield {"http": http}


app = FastAPI(lifespan=lifespan)


def get_http(request: Request) -> httpx.AsyncClient:
    return request.state.http


Http = Annotated[httpx.AsyncClient, Depends(get_http)]


async def get_json(http: httpx.AsyncClient, url: str) -> Any:
    response = await http.get(url)
    response.raise_for_status()
    return response.json()


class Rate(BaseModel):
    currency: str
    rate: float


# region wrong-race
@app.get("/rates/{currency}")
async def rate(currency: str, http: Http) -> Rate:
    calls = [get_json(http, f"{mirror}/rates/{currency}") for mirror in MIRROR_URLS]
    # TypeError: coroutines are not tasks. Even with tasks, the first one done may be a failure,
    # and the losers are never cancelled.
    done, _ = await asyncio.wait(calls, return_when=asyncio.FIRST_COMPLETED)
    return Rate.model_validate(done.pop().result())


# endregion wrong-race
