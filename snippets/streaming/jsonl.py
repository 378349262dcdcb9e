"""JSON Lines and generated text from async generators: FastAPI (>= 0.134) streams what an endpoint yields."""

import asyncio
import os
from collections.abc import AsyncIterable
from typing import Annotated

from fastapi import FastAPI, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

TOTAL_ORDERS = int(os.environ.get("TOTAL_ORDERS", "250"))
PAGE_SIZE = int(os.environ.get("PAGE_SIZE", "100"))


class Order(BaseModel):
    id: int
    total_cents: int


async def fetch_orders_page(after_id: int, limit: int) -> list[Order]:
    """Stands in for an async source read page by page (a database, an upstream API)."""
    await asyncio.sleep(0)
    last = min(after_id + limit, TOTAL_ORDERS)
    return [Order(id=n, total_cents=n * 125) for n in range(after_id + 1, last + 1)]


app = FastAPI()


# region jsonl
@app.get("/orders.jsonl")
async def stream_orders(limit: Annotated[int, Query(ge=1, le=100_000)] = 1000) -> AsyncIterable[Order]:
    # Each yielded Order is validated, serialised and sent as one line of application/jsonl.
    after_id, remaining = 0, limit
    while remaining and (page := await fetch_orders_page(after_id, min(PAGE_SIZE, remaining))):
        for order in page:
            yield order
        after_id, remaining = page[-1].id, remaining - len(page)


# endregion jsonl


# region generated-text
class PlainTextStream(StreamingResponse):
    media_type = "text/plain; charset=utf-8"


@app.get("/orders/report.txt", response_class=PlainTextStream)
async def orders_report() -> AsyncIterable[str]:
    # With response_class=StreamingResponse (or a subclass), yielded str/bytes go out as they are.
    yield "order    total\n"
    after_id, grand_total = 0, 0
    while page := await fetch_orders_page(after_id, PAGE_SIZE):
        yield "".join(f"{order.id:>5} {order.total_cents / 100:>8.2f}\n" for order in page)
        after_id, grand_total = page[-1].id, grand_total + sum(order.total_cents for order in page)
    yield f"total {grand_total / 100:>8.2f}\n"


# endregion generated-text
