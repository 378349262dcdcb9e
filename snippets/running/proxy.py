"""Behind a reverse proxy: the real client address, a request body limit, unbuffered streams."""

import os
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Body, Depends, FastAPI, Request, Response
from pydantic import BaseModel

MAX_BODY_BYTES = int(os.environ.get("MAX_BODY_BYTES", str(1024 * 1024)))


class Client(BaseModel):
    host: str | None
    scheme: str


class Row(BaseModel):
    id: int


# region body-limit
# uvicorn accepts bodies of any size; the app answers 413 past the limit, even for chunked uploads.
app = FastAPI(max_body_size=MAX_BODY_BYTES)


@app.post("/notes")
async def add_note(note: Annotated[bytes, Body(media_type="text/plain")]) -> dict[str, int]:
    return {"bytes": len(note)}


@app.post("/attachments", max_body_size=10 * MAX_BODY_BYTES)  # a route may allow more (or less)
async def add_attachment(
    data: Annotated[bytes, Body(media_type="application/octet-stream")],
) -> dict[str, int]:
    return {"bytes": len(data)}


# endregion body-limit


# region client-address
@app.get("/whoami")
async def whoami(request: Request) -> Client:
    # With --forwarded-allow-ips set to the proxy's address, uvicorn rewrites these from
    # X-Forwarded-For and X-Forwarded-Proto; from any other peer the headers are ignored.
    return Client(host=request.client.host if request.client else None, scheme=request.url.scheme)


# endregion client-address


# region unbuffered-stream
def no_proxy_buffering(response: Response) -> None:
    response.headers["X-Accel-Buffering"] = "no"  # nginx: pass each chunk on as it comes


@app.get("/export", dependencies=[Depends(no_proxy_buffering)])
async def export() -> AsyncIterator[Row]:  # JSON Lines; fastapi.sse streams set the header already
    for row_id in range(3):
        yield Row(id=row_id)


# endregion unbuffered-stream


# region wrong-header-in-generator
@app.get("/export-wrong")
async def export_wrong(response: Response) -> AsyncIterator[Row]:
    response.headers["X-Accel-Buffering"] = "no"  # too late: runs after the headers were built
    for row_id in range(3):
        yield Row(id=row_id)


# endregion wrong-header-in-generator
