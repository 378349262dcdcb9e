"""snippets/asyncpg/app.py: pool in the lifespan, transactions, 404 / 409 / 422 / 503 / 504."""

import contextlib

import asyncpg
import pytest
import servers
from pydantic import ValidationError

SEED = "INSERT INTO products (sku, stock) VALUES ('PEN-1', 5)"  # gets id 1


def table(database_url: str, sql: str) -> list[str]:
    return servers.psql(database_url, sql).stdout.split()


def unchanged(database_url: str) -> bool:
    products = table(database_url, "SELECT id || ':' || sku || ':' || stock FROM products")
    return products == ["1:PEN-1:5"] and table(database_url, "SELECT count(*) FROM orders") == ["0"]


async def test_product_row_becomes_the_response_model(database_url, load_snippet, asgi_client):
    module = load_snippet("asyncpg/app.py", DATABASE_URL=database_url)
    async with asgi_client(module.app) as client:
        servers.psql(database_url, SEED)
        found = await client.get("/products/1")
        missing = await client.get("/products/2")
    assert found.json() == {"id": 1, "sku": "PEN-1", "stock": 5}
    assert missing.status_code == 404


async def test_order_writes_the_order_and_the_stock_together(database_url, load_snippet, asgi_client):
    module = load_snippet("asyncpg/app.py", DATABASE_URL=database_url)
    async with asgi_client(module.app) as client:
        servers.psql(database_url, SEED)
        response = await client.post("/products/1/orders", json={"quantity": 2})
    assert response.status_code == 201
    assert table(database_url, "SELECT stock FROM products") == ["3"]
    assert table(database_url, "SELECT product_id || 'x' || quantity FROM orders") == ["1x2"]


@pytest.mark.parametrize(
    ("path", "quantity", "status"),
    [("/products/1/orders", 6, 409), ("/products/2/orders", 1, 404)],
    ids=["not-enough-stock", "missing-product"],
)
async def test_failed_order_answers_4xx_and_writes_nothing(
    database_url, load_snippet, asgi_client, path, quantity, status
):
    module = load_snippet("asyncpg/app.py", DATABASE_URL=database_url)
    async with asgi_client(module.app) as client:
        servers.psql(database_url, SEED)
        response = await client.post(path, json={"quantity": quantity})
    assert response.status_code == status
    assert unchanged(database_url)  # the order row inserted before the failing UPDATE was rolled back


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/products/abc", None),
        ("GET", f"/products/{2**31}", None),
        ("POST", f"/products/{2**31}/orders", {"quantity": 1}),
        ("POST", "/products/1/orders", {"quantity": 0}),
        ("POST", "/products/1/orders", {"quantity": "many"}),
        ("POST", "/products/1/orders", b'{"quantity": '),
        ("POST", "/products/1/orders", {"quantity": 10**30}),
    ],
)
async def test_bad_input_answers_422_and_writes_nothing(
    database_url, load_snippet, asgi_client, method, path, body
):
    module = load_snippet("asyncpg/app.py", DATABASE_URL=database_url)
    async with asgi_client(module.app) as client:
        servers.psql(database_url, SEED)
        content, json = (body, None) if isinstance(body, bytes) else (None, body)
        response = await client.request(method, path, content=content, json=json)
    assert response.status_code == 422
    assert unchanged(database_url)


async def test_driver_facts_the_snippet_relies_on(database_url, load_snippet):
    module = load_snippet("asyncpg/app.py", DATABASE_URL=database_url)
    connection = await asyncpg.connect(database_url, timeout=10)
    try:
        with pytest.raises(asyncpg.DataError, match="out of int32 range"):  # why ProductId has le=2**31 - 1
            await connection.fetchrow("SELECT $1::integer", 2**31)
        row = await connection.fetchrow("SELECT 1 AS id, 'PEN-1' AS sku, 5 AS stock")
        with pytest.raises(ValidationError):  # why the routes pass dict(row)
            module.Product.model_validate(row)
        assert module.Product.model_validate(dict(row)).sku == "PEN-1"
    finally:
        await connection.close()


@pytest.mark.parametrize(
    "timeouts",
    [
        {"DB_STATEMENT_TIMEOUT_MS": "200", "DB_COMMAND_TIMEOUT": "30"},  # the server cancels
        {"DB_STATEMENT_TIMEOUT_MS": "30000", "DB_COMMAND_TIMEOUT": "0.2"},  # the client gives up and cancels
    ],
    ids=["statement_timeout", "command_timeout"],
)
async def test_slow_query_answers_504_and_is_cancelled_on_the_server(
    database_url, load_snippet, asgi_client, timeouts
):
    module = load_snippet("asyncpg/app.py", DATABASE_URL=database_url, **timeouts)
    async with asgi_client(module.app) as client:
        locker = await asyncpg.connect(database_url, timeout=10)
        try:
            await locker.execute(SEED)
            async with locker.transaction():
                await locker.execute("LOCK TABLE products IN ACCESS EXCLUSIVE MODE")  # every read now waits
                response = await client.get("/products/1")
                still_waiting = await locker.fetchval("SELECT count(*) FROM pg_locks WHERE NOT granted")
        finally:
            await locker.close()
        after = await client.get("/products/1")
    assert response.status_code == 504
    assert still_waiting == 0  # the query was cancelled, not left running on the server
    assert after.status_code == 200  # and the pooled connection still works


async def test_exhausted_pool_answers_503_after_acquire_timeout(
    database_url, load_snippet, asgi_client, lifespan_state
):
    module = load_snippet(
        "asyncpg/app.py", DATABASE_URL=database_url, DB_POOL_SIZE="1", DB_ACQUIRE_TIMEOUT="0.2"
    )
    state = lifespan_state(module.app)
    async with asgi_client(module.app) as client:
        async with state["pool"].acquire():
            busy = await client.get("/products/1")
        free = await client.get("/products/1")
    assert busy.status_code == 503
    assert busy.headers["retry-after"] == "5"
    assert free.status_code == 404


async def test_stopped_database_answers_503(load_snippet, asgi_client):
    with contextlib.ExitStack() as server:
        private_url = server.enter_context(servers.postgres())  # our own server, so we may stop it
        module = load_snippet("asyncpg/app.py", DATABASE_URL=private_url)
        async with asgi_client(module.app) as client:
            assert (await client.get("/products/1")).status_code == 404
            server.close()
            in_flight = await client.get("/products/1")  # the pooled connection dies under the query
            reconnecting = await client.get("/products/1")  # the pool cannot open a new one
    for response in (in_flight, reconnecting):
        assert response.status_code == 503
        assert response.json() == {"detail": "database unavailable"}
