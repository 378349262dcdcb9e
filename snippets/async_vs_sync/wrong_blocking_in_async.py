"""WRONG: a blocking call inside `async def` stalls every request in the process."""

import os
import time

from fastapi import FastAPI

SLOW_CALL_SECONDS = float(os.environ.get("SLOW_CALL_SECONDS", "0.5"))

app = FastAPI()


def fetch_report_blocking() -> str:
    """Stands in for a blocking library: a sync SDK, requests, a sync database driver."""
    time.sleep(SLOW_CALL_SECONDS)
    return "ready"


# region wrong-blocking-in-async
@app.get("/report")
async def read_report() -> dict[str, str]:
    # WRONG: runs on the event loop thread; no other request is served until it returns.
    return {"report": fetch_report_blocking()}


# endregion wrong-blocking-in-async


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
