"""Stop upstream work when the client goes away: Starlette does not cancel a running endpoint."""

import asyncio
import os
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypedDict, TypeVar

import httpx
from fastapi import Depends, FastAPI, HTTPException, Request
from pydantic import TypeAdapter, ValidationError

REPORTS_URL = os.environ.get("REPORTS_URL", "http://127.0.0.1:8001")
DEADLINE_SECONDS = float(os.environ.get("DEADLINE_SECONDS", "30"))

T = TypeVar("T")


class State(TypedDict):
    http: httpx.AsyncClient


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(60, connect=1)) as http:
        yield {"http": http}


app = FastAPI(lifespan=lifespan)


def get_http(request: Request) -> httpx.AsyncClient:
    return request.state.http


Http = Annotated[httpx.AsyncClient, Depends(get_http)]


# region cancel-on-disconnect
class ClientDisconnected(Exception):
    pass


async def wait_for_disconnect(request: Request) -> None:
    # Call only once the body has been read: receive() hands out the body before the disconnect.
    while (await request.receive())["type"] != "http.disconnect":
        pass


async def cancel_on_disconnect(request: Request, work: Coroutine[Any, Any, T]) -> T:
    """Await work; cancel it (and raise ClientDisconnected) if the client disconnects first."""
    job = asyncio.create_task(work)
    watcher = asyncio.create_task(wait_for_disconnect(request))
    try:
        await asyncio.wait({job, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        job.cancel()  # no effect once it is done
        watcher.cancel()
        await asyncio.wait({job, watcher})
    if job.cancelled():
        raise ClientDisconnected
    return job.result()


Report = TypeAdapter(dict[str, Any])


async def build_report(http: httpx.AsyncClient, report_id: int) -> dict[str, Any]:
    response = await http.get(f"{REPORTS_URL}/reports/{report_id}")
    response.raise_for_status()
    return Report.validate_json(response.content)


@app.get("/reports/{report_id}")
async def report(report_id: int, request: Request, http: Http) -> dict[str, Any]:
    try:
        async with asyncio.timeout(DEADLINE_SECONDS):
            return await cancel_on_disconnect(request, build_report(http, report_id))
    except ClientDisconnected:
        raise HTTPException(499, "client closed request") from None  # logged; nobody reads it
    except TimeoutError:
        raise HTTPException(504, "report took too long") from None
    except (httpx.HTTPError, ValidationError):  # down, an error status, or a malformed answer
        raise HTTPException(502, "report service failed") from None


# endregion cancel-on-disconnect
