"""The app the testing page tests: an upstream client, a token check, a fan-out, a stream, a WebSocket."""

import asyncio
import contextlib
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, TypedDict

import httpx
from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, StringConstraints, ValidationError

UPSTREAM_URL = os.environ.get("UPSTREAM_URL", "http://127.0.0.1:9000")
UPSTREAM_TIMEOUT = float(os.environ.get("UPSTREAM_TIMEOUT", "5"))
API_TOKEN = os.environ.get("API_TOKEN", "change-me")


class State(TypedDict):
    http: httpx.AsyncClient


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    timeout = httpx.Timeout(UPSTREAM_TIMEOUT, connect=min(UPSTREAM_TIMEOUT, 2.0))
    async with httpx.AsyncClient(base_url=UPSTREAM_URL, timeout=timeout) as http:
        yield {"http": http}


def get_http(request: Request) -> httpx.AsyncClient:
    return request.state.http


def get_user(authorization: Annotated[str | None, Header()] = None) -> str:
    if authorization != f"Bearer {API_TOKEN}":
        raise HTTPException(401, "missing or wrong token", headers={"WWW-Authenticate": "Bearer"})
    return "api-client"


HttpDep = Annotated[httpx.AsyncClient, Depends(get_http)]
UserDep = Annotated[str, Depends(get_user)]
app = FastAPI(lifespan=lifespan)


# region prices
class Price(BaseModel):
    price: float


Symbol = Annotated[str, StringConstraints(pattern=r"^[A-Z]{1,10}$")]  # it goes into the upstream's URL


async def fetch_price(http: httpx.AsyncClient, symbol: str) -> float:
    response = await http.get(f"/prices/{symbol}")
    response.raise_for_status()
    return Price.model_validate_json(response.content).price  # a malformed answer: ValidationError


@app.get("/prices")
async def prices(
    symbols: Annotated[list[Symbol], Query(min_length=1, max_length=20)], http: HttpDep, user: UserDep
) -> dict[str, float]:
    try:
        async with asyncio.TaskGroup() as group:  # all in parallel; one failure cancels the rest
            tasks = {symbol: group.create_task(fetch_price(http, symbol)) for symbol in symbols}
    except ExceptionGroup as errors:
        if errors.subgroup(httpx.TimeoutException):
            raise HTTPException(504, "price service timed out") from errors
        if errors.subgroup((httpx.HTTPError, ValidationError)):
            raise HTTPException(502, "price service failed") from errors
        raise
    return {symbol: task.result() for symbol, task in tasks.items()}


# endregion prices


@app.get("/ticks")
async def ticks(interval: Annotated[float, Query(gt=0, le=10)] = 1.0) -> StreamingResponse:
    async def lines() -> AsyncIterator[str]:
        number = 0
        while True:  # endless: runs until the client disconnects
            yield json.dumps({"tick": number}) + "\n"
            number += 1
            await asyncio.sleep(interval)

    return StreamingResponse(lines(), media_type="application/x-ndjson")


@app.websocket("/ws/echo")
async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            await websocket.send_text(await websocket.receive_text())
