"""Ask every mirror at once and answer with the first success; cancel the others."""

import asyncio
import os
from collections.abc import AsyncIterator, Coroutine, Iterable
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypedDict, TypeVar

import httpx
from fastapi import Depends, FastAPI, HTTPException, Path, Request
from pydantic import BaseModel, ValidationError

MIRROR_URLS = os.environ.get("MIRROR_URLS", "http://127.0.0.1:8001,http://127.0.0.1:8002").split(",")
DEADLINE_SECONDS = float(os.environ.get("DEADLINE_SECONDS", "2"))

T = TypeVar("T")


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


# region first-success
async def first_success(calls: Iterable[Coroutine[Any, Any, T]]) -> T:
    """The first call that succeeds wins; failures are skipped; the losers are cancelled and awaited."""
    tasks = {asyncio.create_task(call) for call in calls}  # asyncio.wait() refuses bare coroutines
    pending = set(tasks)
    failures: list[BaseException] = []
    try:
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if (error := task.exception()) is None:
                    return task.result()
                failures.append(error)
        raise BaseExceptionGroup("every call failed", failures)
    finally:
        for task in tasks:
            task.cancel()  # no effect on tasks already done
        await asyncio.gather(*tasks, return_exceptions=True)


class Rate(BaseModel):
    currency: str
    rate: float


async def fetch_rate(http: httpx.AsyncClient, url: str) -> Rate:
    response = await http.get(url)
    response.raise_for_status()
    return Rate.model_validate_json(response.content)  # a malformed answer fails like an error


@app.get("/rates/{currency}")
async def rate(currency: Annotated[str, Path(pattern=r"^[A-Z]{3}$")], http: Http) -> Rate:
    calls = (fetch_rate(http, f"{mirror}/rates/{currency}") for mirror in MIRROR_URLS)
    try:
        async with asyncio.timeout(DEADLINE_SECONDS):
            return await first_success(calls)
    except* TimeoutError:
        raise HTTPException(504, "no mirror answered in time") from None
    except* (httpx.HTTPError, ValidationError):
        raise HTTPException(502, "every mirror failed") from None


# endregion first-success
