"""WRONG: a new httpx.AsyncClient for every request (a new connection pool, a new TCP handshake)."""

import os
from typing import Any

import httpx
from fastapi import FastAPI, HTTPException

AVATARS_URL = os.environ.get("AVATARS_URL", "http://127.0.0.1:8001")

app = FastAPI()


# region wrong-per-request-client
@app.get("/avatars/{user_id}")
async def avatar(user_id: int) -> dict[str, Any]:
    try:
        async with httpx.AsyncClient(timeout=httpx.Timeout(5, connect=1)) as http:  # one per request
            response = await http.get(f"{AVATARS_URL}/avatars/{user_id}")
            response.raise_for_status()
    except httpx.HTTPError:
        raise HTTPException(502, "avatar service failed") from None
    return response.json()


# endregion wrong-per-request-client
