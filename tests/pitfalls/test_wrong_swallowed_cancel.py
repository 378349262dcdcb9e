"""wrong_swallowed_cancel.py: a swallowed CancelledError turns a deadline (and any failure) into a 201.

The same cases against the fixed module are in tests/lifetime/test_reservation.py.
"""

import asyncio

import pytest
from upstream_server import Reply

ORDER = {"sku": "pen", "quantity": 2}
HELD = ("POST", "/reservations")
CHARGED = ("POST", "/charges")
RELEASED = ("DELETE", "/reservations/r1")


@pytest.fixture
def stock(upstream):
    upstream.replies["/reservations"] = Reply(body={"id": "r1"})
    return upstream


def calls(upstream):
    return [(request.method, request.path) for request in upstream.received]


async def test_swallowed_cancellation_answers_201_for_an_order_whose_payment_was_cancelled(
    load_snippet, stock, asgi_client
):
    stock.replies["/charges"] = Reply(gate=asyncio.Event())  # never answers: the deadline cancels it
    module = load_snippet(
        "pitfalls/wrong_swallowed_cancel.py",
        STOCK_URL=stock.url,
        PAYMENTS_URL=stock.url,
        DEADLINE_SECONDS="0.2",
    )
    async with asgi_client(module.app) as client:
        response = await client.post("/orders", json=ORDER)
    assert stock.abandoned == ["/charges"]  # the payment call was cancelled by the deadline...
    assert calls(stock) == [HELD, CHARGED, RELEASED]  # ...and the stock given back...
    assert (response.status_code, response.json()) == (201, {"reservation": "r1"})  # ...yet "placed"


async def test_swallowed_error_answers_201_for_a_refused_payment(load_snippet, stock, asgi_client):
    stock.replies["/charges"] = Reply(status=402)
    module = load_snippet("pitfalls/wrong_swallowed_cancel.py", STOCK_URL=stock.url, PAYMENTS_URL=stock.url)
    async with asgi_client(module.app) as client:
        response = await client.post("/orders", json=ORDER)
    assert calls(stock) == [HELD, CHARGED, RELEASED]
    assert response.status_code == 201  # the fixed module answers 502
