"""Fan out to several upstreams in one request: parts that are all required, or some optional."""

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypedDict, TypeVar

import httpx
from fastapi import Depends, FastAPI, HTTPException, Request
from pydantic import BaseModel, TypeAdapter, ValidationError

USERS_URL = os.environ.get("USERS_URL", "http://127.0.0.1:8001")
ORDERS_URL = os.environ.get("ORDERS_URL", "http://127.0.0.1:8002")
PICKS_URL = os.environ.get("PICKS_URL", "http://127.0.0.1:8003")
DEADLINE_SECONDS = float(os.environ.get("DEADLINE_SECONDS", "2"))
OPTIONAL_SECONDS = float(os.environ.get("OPTIONAL_SECONDS", "0.3"))

logger = logging.getLogger(__name__)
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


JsonObject = TypeAdapter(dict[str, Any])
JsonList = TypeAdapter(list[dict[str, Any]])


async def get_json(http: httpx.AsyncClient, url: str, shape: TypeAdapter[T]) -> T:
    response = await http.get(url)
    response.raise_for_status()
    return shape.validate_json(response.content)  # a malformed answer fails like an error status


# region deadline
@asynccontextmanager
async def upstream_deadline(seconds: float) -> AsyncIterator[None]:
    """504 past the deadline, 502 when an upstream fails or answers nonsense; both cancel the rest."""
    try:
        async with asyncio.timeout(seconds):
            yield
    except* TimeoutError:
        raise HTTPException(504, "upstream did not answer in time") from None
    except* (httpx.HTTPError, ValidationError) as failures:
        logger.warning("upstream failed: %r", failures.exceptions)
        raise HTTPException(502, "upstream failed") from None


# endregion deadline
# region all-required
class Dashboard(BaseModel):
    profile: dict[str, Any]
    orders: list[dict[str, Any]]


@app.get("/dashboard/{user_id}")
async def dashboard(user_id: int, http: Http) -> Dashboard:
    # The first failure cancels the other call; the page fails as a whole.
    async with upstream_deadline(DEADLINE_SECONDS), asyncio.TaskGroup() as group:
        profile = group.create_task(get_json(http, f"{USERS_URL}/users/{user_id}", JsonObject))
        orders = group.create_task(get_json(http, f"{ORDERS_URL}/orders/{user_id}", JsonList))
    return Dashboard(profile=profile.result(), orders=orders.result())


# endregion all-required
# region optional-part
async def optional(work: Awaitable[T], seconds: float) -> T | None:
    """An optional part: late or failed comes back as None and never fails the page."""
    try:
        async with asyncio.timeout(seconds):
            return await work
    except (TimeoutError, httpx.HTTPError, ValidationError) as error:
        logger.warning("optional part skipped: %r", error)
        return None


class Home(BaseModel):
    profile: dict[str, Any]
    picks: list[dict[str, Any]] | None  # None: recommendations were late or failed


@app.get("/home/{user_id}")
async def home(user_id: int, http: Http) -> Home:
    async with upstream_deadline(DEADLINE_SECONDS), asyncio.TaskGroup() as group:
        profile = group.create_task(get_json(http, f"{USERS_URL}/users/{user_id}", JsonObject))
        picks = group.create_task(
            optional(get_json(http, f"{PICKS_URL}/picks/{user_id}", JsonList), OPTIONAL_SECONDS)
        )
    return Home(profile=profile.result(), picks=picks.result())


# endregion optional-part
