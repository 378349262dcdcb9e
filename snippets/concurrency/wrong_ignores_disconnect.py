"""WRONG: a long upstream call that keeps running after the client has gone."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypedDict

import httpx
from fastapi import Depends, FastAPI, Request

REPORTS_URL = os.environ.get("REPORTS_URL", "http://127.0.0.1:8001")


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


# region wrong-ignores-disconnect
@app.get("/reports/{report_id}")
async def report(report_id: int, http: Http) -> dict[str, Any]:
    # Nothing cancels this when the client disconnects: the call runs to the end for nobody.
    response = await http.get(f"{REPORTS_URL}/reports/{report_id}")
    response.raise_for_status()
    return response.json()


# endregion wrong-ignores-disconnect
