"""The same async context manager as a class with __aenter__ and __aexit__."""

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Annotated, TypedDict

import httpx
from fastapi import Depends, FastAPI, HTTPException, Request
from pydantic import BaseModel, Field, ValidationError

STOCK_URL = os.environ.get("STOCK_URL", "http://127.0.0.1:8001")
PAYMENTS_URL = os.environ.get("PAYMENTS_URL", "http://127.0.0.1:8002")
DEADLINE_SECONDS = float(os.environ.get("DEADLINE_SECONDS", "10"))


class State(TypedDict):
    http: httpx.AsyncClient


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(5, connect=1)) as http:
        yield {"http": http}


app = FastAPI(lifespan=lifespan)


def get_http(request: Request) -> httpx.AsyncClient:
    return request.state.http


Http = Annotated[httpx.AsyncClient, Depends(get_http)]


class StockReservation(BaseModel):  # the stock service's answer
    id: str


# region reservation-class
class Reservation:
    """Hold stock while the order is paid: confirmed if the block succeeds, released if it fails."""

    def __init__(self, http: httpx.AsyncClient, sku: str, quantity: int) -> None:
        self._http, self._sku, self._quantity = http, sku, quantity
        self.id = ""

    async def __aenter__(self) -> str:
        response = await self._http.post(
            f"{STOCK_URL}/reservations", json={"sku": self._sku, "quantity": self._quantity}
        )
        response.raise_for_status()  # __aexit__ does not run when __aenter__ raises
        self.id = StockReservation.model_validate_json(response.content).id
        return self.id

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:  # None (falsy): an error in the block propagates
        if exc is None:
            await self._http.post(f"{STOCK_URL}/reservations/{self.id}/confirm")
        else:  # any error, CancelledError included
            await self._http.delete(f"{STOCK_URL}/reservations/{self.id}")


# endregion reservation-class


class Order(BaseModel):
    sku: str = Field(min_length=1, max_length=32)
    quantity: int = Field(gt=0, le=1000)


class Placed(BaseModel):
    reservation: str


@app.post("/orders", status_code=201)
async def place_order(order: Order, http: Http) -> Placed:
    try:
        async with asyncio.timeout(DEADLINE_SECONDS), Reservation(http, order.sku, order.quantity) as held:
            charge = await http.post(f"{PAYMENTS_URL}/charges", json={"reservation": held})
            charge.raise_for_status()
    except TimeoutError:
        raise HTTPException(504, "ordering took too long") from None
    except (httpx.HTTPError, ValidationError):  # down, an error status, or a malformed answer
        raise HTTPException(502, "stock or payment service failed") from None
    return Placed(reservation=held)
