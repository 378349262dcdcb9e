"""WRONG: @app.on_event next to lifespan= (deprecated, and the handler never runs)."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI, Request

AVATARS_URL = os.environ.get("AVATARS_URL", "http://127.0.0.1:8001")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield


app = FastAPI(lifespan=lifespan)


# region wrong-on-event
@app.on_event("startup")  # DeprecationWarning; with lifespan= set, FastAPI never calls it
async def open_client() -> None:
    app.state.http = httpx.AsyncClient(timeout=httpx.Timeout(5, connect=1))


# endregion wrong-on-event


@app.get("/avatars/{user_id}")
async def avatar(user_id: int, request: Request) -> dict[str, Any]:
    response = await request.app.state.http.get(f"{AVATARS_URL}/avatars/{user_id}")
    return response.json()
