"""Shed load early: past a limit of requests in progress, answer 503 at once instead of queueing."""

import asyncio
import os

from fastapi import FastAPI
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

MAX_IN_FLIGHT = int(os.environ.get("MAX_IN_FLIGHT", "100"))


# region concurrency-limit
class ConcurrencyLimit:
    """Pure ASGI middleware: at `limit` requests in progress, the next one gets 503 + Retry-After."""

    def __init__(self, app: ASGIApp, limit: int, exempt: frozenset[str] = frozenset()) -> None:
        self.app, self.limit, self.exempt = app, limit, exempt
        self.in_flight = 0  # one event loop per process: no lock needed, and no await before += 1

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            return await self.app(scope, receive, send)
        if self.in_flight >= self.limit:
            busy = JSONResponse(
                {"detail": "busy, retry later"}, status_code=503, headers={"Retry-After": "1"}
            )
            return await busy(scope, receive, send)
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


app = FastAPI()
app.add_middleware(ConcurrencyLimit, limit=MAX_IN_FLIGHT, exempt=frozenset({"/livez"}))
# endregion concurrency-limit


async def do_work() -> None:
    await asyncio.sleep(0.2)  # stands for the real work: queries, upstream calls


@app.get("/work")
async def work() -> dict[str, str]:
    await do_work()
    return {"status": "done"}


@app.get("/livez")
async def liveness() -> dict[str, str]:
    return {"status": "alive"}
