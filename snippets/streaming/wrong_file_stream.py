"""WRONG: an async generator that reads a file with blocking open() and read() stalls the event loop."""

import os
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import StreamingResponse

REPORT_PATH = Path(os.environ.get("REPORT_PATH", "report.csv"))

app = FastAPI()


# region wrong-blocking-read
async def read_chunks(path: Path) -> AsyncIterator[bytes]:
    with open(path, "rb") as file:  # blocks the loop: every other request waits
        while chunk := file.read(64 * 1024):  # and again on every chunk
            yield chunk


@app.get("/report")
async def report() -> StreamingResponse:
    return StreamingResponse(read_chunks(REPORT_PATH), media_type="text/csv")


# endregion wrong-blocking-read


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
