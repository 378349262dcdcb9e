"""WRONG: a generator context manager with no error path around its yield."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, TypedDict

import httpx
from fastapi import Depends, FastAPI, HTTPException, Request
from pydantic import BaseModel, Field, ValidationError

STOCK_URL = os.environ.get("STOCK_URL", "http://127.0.0.1:8001")
PAYMENTS_URL = os.environ.get("PAYMENTS_URL", "http://127.0.0.1:8002")


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


# region wrong-reservation
@asynccontextmanager
async def reservation(http: httpx.AsyncClient, sku: str, quantity: int) -> AsyncIterator[str]:
    response = await http.post(f"{STOCK_URL}/reservations", json={"sku": sku, "quantity": quantity})
    response.raise_for_status()
    reservation_id = StockReservation.model_validate_json(response.content).id
    yield reservation_id  # an error in the block is raised here and nothing releases the stock
    await http.post(f"{STOCK_URL}/reservations/{reservation_id}/confirm")


# endregion wrong-reservation


class Order(BaseModel):
    sku: str = Field(min_length=1, max_length=32)
    quantity: int = Field(gt=0, le=1000)


class Placed(BaseModel):
    reservation: str


@app.post("/orders", status_code=201)
async def place_order(order: Order, http: Http) -> Placed:
    try:
        async with reservation(http, order.sku, order.quantity) as held:
            charge = await http.post(f"{PAYMENTS_URL}/charges", json={"reservation": held})
            charge.raise_for_status()
    except (httpx.HTTPError, ValidationError):  # down, an error status, or a malformed answer
        raise HTTPException(502, "stock or payment service failed") from None
    return Placed(reservation=held)
