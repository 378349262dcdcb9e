"""In-process tests: the app's upstream replaced by httpx.MockTransport through a dependency override."""

from collections.abc import AsyncIterator

import httpx
import pytest
from main import app, get_http, get_user

PRICES = {"ACME": 12.5, "INITECH": 0.0}


# region mock-upstream
def price_service(request: httpx.Request) -> httpx.Response:
    symbol = request.url.path.removeprefix("/prices/")
    if symbol not in PRICES:
        return httpx.Response(500, json={"detail": "boom"})
    return httpx.Response(200, json={"price": PRICES[symbol]})


@pytest.fixture
async def fake_prices() -> AsyncIterator[None]:
    transport = httpx.MockTransport(price_service)
    async with httpx.AsyncClient(transport=transport, base_url="http://prices.test") as http:
        app.dependency_overrides[get_http] = lambda: http
        yield


async def test_prices_come_from_the_price_service(client: httpx.AsyncClient, fake_prices: None) -> None:
    response = await client.get("/prices", params={"symbols": ["ACME", "INITECH"]})
    assert response.status_code == 200
    assert response.json() == {"ACME": 12.5, "INITECH": 0.0}


async def test_a_failing_price_service_answers_502(client: httpx.AsyncClient, fake_prices: None) -> None:
    response = await client.get("/prices", params={"symbols": ["ACME", "UNKNOWN"]})
    assert response.status_code == 502
    assert response.json() == {"detail": "price service failed"}


# endregion mock-upstream


# region overrides
async def test_a_missing_token_answers_401(client: httpx.AsyncClient, fake_prices: None) -> None:
    response = await client.get("/prices", params={"symbols": ["ACME"]}, headers={"Authorization": ""})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_the_user_dependency_can_be_overridden(client: httpx.AsyncClient, fake_prices: None) -> None:
    app.dependency_overrides[get_user] = lambda: "test-user"  # cleared by the autouse fixture
    response = await client.get("/prices", params={"symbols": ["ACME"]}, headers={"Authorization": ""})
    assert response.json() == {"ACME": 12.5}


# endregion overrides


@pytest.mark.parametrize("params", [{}, {"symbols": ["acme"]}, {"symbols": ["../admin"]}])
async def test_bad_input_answers_422_before_any_upstream_call(
    client: httpx.AsyncClient, params: dict[str, list[str]]
) -> None:
    response = await client.get("/prices", params=params)  # the real client is never used
    assert response.status_code == 422


async def test_a_malformed_price_answers_502(client: httpx.AsyncClient) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"cost": 1}))
    async with httpx.AsyncClient(transport=transport, base_url="http://prices.test") as http:
        app.dependency_overrides[get_http] = lambda: http
        response = await client.get("/prices", params={"symbols": ["ACME"]})
    assert (response.status_code, response.json()) == (502, {"detail": "price service failed"})
