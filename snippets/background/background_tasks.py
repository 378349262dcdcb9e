"""BackgroundTasks: short follow-up work that runs after the response, in the same process."""

import asyncio
import itertools
import os
from pathlib import Path

import anyio
from fastapi import BackgroundTasks, FastAPI
from pydantic import BaseModel, Field

OUTBOX_PATH = Path(os.environ.get("OUTBOX_PATH", "outbox.log"))
SEND_DELAY_SECONDS = float(os.environ.get("SEND_DELAY_SECONDS", "0"))

app = FastAPI()
order_ids = itertools.count(1)  # stands in for the ids a database would assign


class OrderIn(BaseModel):
    email: str = Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")


class OrderAccepted(BaseModel):
    id: int
    status: str


async def send_receipt(order_id: int, email: str) -> None:
    """Stands in for a call to an email API."""
    await asyncio.sleep(SEND_DELAY_SECONDS)
    async with await anyio.open_file(OUTBOX_PATH, "a") as outbox:
        await outbox.write(f"receipt {order_id} to {email}\n")


def record_audit(order_id: int) -> None:
    """A plain function: BackgroundTasks runs it in a worker thread."""
    with OUTBOX_PATH.open("a") as outbox:
        outbox.write(f"audit {order_id}\n")


# region add-task
@app.post("/orders", status_code=202)
async def place_order(order: OrderIn, background_tasks: BackgroundTasks) -> OrderAccepted:
    order_id = next(order_ids)
    # Both run after the response is sent, one after the other; if one raises, the rest never run.
    background_tasks.add_task(send_receipt, order_id, order.email)
    background_tasks.add_task(record_audit, order_id)
    return OrderAccepted(id=order_id, status="accepted")


# endregion add-task
