"""reservation_function.py and reservation_class.py: confirmed on success, released on any error."""

import asyncio

import pytest
from upstream_server import Reply

MODULES = ["lifetime/reservation_function.py", "lifetime/reservation_class.py"]
ORDER = {"sku": "pen", "quantity": 2}
HELD = ("POST", "/reservations")
CHARGED = ("POST", "/charges")
CONFIRMED = ("POST", "/reservations/r1/confirm")
RELEASED = ("DELETE", "/reservations/r1")


@pytest.fixture
def stock(upstream):
    upstream.replies["/reservations"] = Reply(body={"id": "r1"})
    return upstream


def calls(upstream):
    return [(request.method, request.path) for request in upstream.received]


def load(load_snippet, path, upstream, **env):
    return load_snippet(path, STOCK_URL=upstream.url, PAYMENTS_URL=upstream.url, **env).app


@pytest.mark.parametrize("path", MODULES)
async def test_success_confirms_the_reservation(load_snippet, stock, asgi_client, path):
    async with asgi_client(load(load_snippet, path, stock)) as client:
        response = await client.post("/orders", json=ORDER)
    assert response.status_code == 201
    assert response.json() == {"reservation": "r1"}
    assert calls(stock) == [HELD, CHARGED, CONFIRMED]


@pytest.mark.parametrize("path", MODULES)
async def test_failed_payment_releases_the_reservation(load_snippet, stock, asgi_client, path):
    stock.replies["/charges"] = Reply(status=402)
    async with asgi_client(load(load_snippet, path, stock)) as client:
        response = await client.post("/orders", json=ORDER)
    assert response.status_code == 502
    assert calls(stock) == [HELD, CHARGED, RELEASED]


@pytest.mark.parametrize("path", MODULES)
async def test_deadline_cancels_the_payment_and_releases_the_reservation(
    load_snippet, stock, asgi_client, path
):
    stock.replies["/charges"] = Reply(gate=asyncio.Event())  # never answers
    async with asgi_client(load(load_snippet, path, stock, DEADLINE_SECONDS="0.2")) as client:
        response = await client.post("/orders", json=ORDER)
    assert response.status_code == 504
    assert calls(stock) == [HELD, CHARGED, RELEASED]
    assert stock.abandoned == ["/charges"]


@pytest.mark.parametrize("path", MODULES)
async def test_failed_reservation_is_neither_confirmed_nor_released(load_snippet, stock, asgi_client, path):
    stock.replies["/reservations"] = Reply(status=409)
    async with asgi_client(load(load_snippet, path, stock)) as client:
        response = await client.post("/orders", json=ORDER)
    assert response.status_code == 502
    assert calls(stock) == [HELD]


@pytest.mark.parametrize("path", MODULES)
async def test_bad_quantity_is_a_422_and_reserves_nothing(load_snippet, stock, asgi_client, path):
    async with asgi_client(load(load_snippet, path, stock)) as client:
        response = await client.post("/orders", json={"sku": "pen", "quantity": 0})
    assert response.status_code == 422
    assert stock.received == []


@pytest.mark.parametrize("path", MODULES)
async def test_malformed_reservation_answer_is_a_502_and_nothing_is_charged(
    load_snippet, stock, asgi_client, path
):
    stock.replies["/reservations"] = Reply(body={"reservation": "r1"})  # no "id"
    async with asgi_client(load(load_snippet, path, stock)) as client:
        response = await client.post("/orders", json=ORDER)
    assert (response.status_code, response.json()) == (502, {"detail": "stock or payment service failed"})
    assert calls(stock) == [HELD]


@pytest.mark.parametrize("path", MODULES)
@pytest.mark.parametrize(
    "order", [{"sku": "", "quantity": 1}, {"sku": "x" * 33, "quantity": 1}, {"sku": "pen", "quantity": 1001}]
)
async def test_unbounded_order_fields_are_a_422_and_reserve_nothing(
    load_snippet, stock, asgi_client, path, order
):
    async with asgi_client(load(load_snippet, path, stock)) as client:
        response = await client.post("/orders", json=order)
    assert response.status_code == 422
    assert stock.received == []
