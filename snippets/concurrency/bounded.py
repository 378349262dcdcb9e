"""Fan out over many items with at most MAX_IN_FLIGHT upstream calls at a time."""

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, TypedDict

import httpx
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from pydantic import StringConstraints

PRICES_URL = os.environ.get("PRICES_URL", "http://127.0.0.1:8001")
MAX_IN_FLIGHT = int(os.environ.get("MAX_IN_FLIGHT", "4"))
DEADLINE_SECONDS = float(os.environ.get("DEADLINE_SECONDS", "5"))

logger = logging.getLogger(__name__)


class State(TypedDict):
    http: httpx.AsyncClient


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    limits = httpx.Limits(max_connections=50)  # the cap for the whole process
    async with httpx.AsyncClient(timeout=httpx.Timeout(5, connect=1), limits=limits) as http:
        yield {"http": http}


app = FastAPI(lifespan=lifespan)


def get_http(request: Request) -> httpx.AsyncClient:
    return request.state.http


Http = Annotated[httpx.AsyncClient, Depends(get_http)]


# region bounded
async def fetch_price(http: httpx.AsyncClient, limit: asyncio.Semaphore, sku: str) -> float:
    async with limit:  # waits here while MAX_IN_FLIGHT calls are open
        response = await http.get(f"{PRICES_URL}/prices/{sku}")
        response.raise_for_status()
        return float(response.json()["price"])


Sku = Annotated[str, StringConstraints(pattern=r"^[\w-]{1,32}$")]  # it goes into the upstream's URL


@app.get("/prices")
async def prices(http: Http, sku: Annotated[list[Sku], Query(max_length=100)]) -> dict[str, float | None]:
    limit = asyncio.Semaphore(MAX_IN_FLIGHT)  # per request: one caller cannot flood the upstream
    try:
        async with asyncio.timeout(DEADLINE_SECONDS):
            results = await asyncio.gather(
                *(fetch_price(http, limit, s) for s in sku), return_exceptions=True
            )
    except TimeoutError:
        raise HTTPException(504, "prices did not arrive in time") from None
    answer: dict[str, float | None] = {}
    for name, result in zip(sku, results, strict=True):
        if isinstance(result, BaseException):  # one failed price is null, not a failed page
            logger.warning("price of %s failed: %r", name, result)
            answer[name] = None
        else:
            answer[name] = result
    return answer


# endregion bounded
