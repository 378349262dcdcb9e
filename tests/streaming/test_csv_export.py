"""snippets/streaming/csv_export.py: exact CSV, bounded batches, and a disconnect ends the query."""

import asyncio
import socket
from urllib.parse import urlsplit

import anyio.to_thread
import httpx
import servers
from asgi_lifespan import LifespanManager

SCHEMA = "CREATE TABLE products (id int PRIMARY KEY, name text NOT NULL, price numeric(10, 2))"


def create_products(database_url: str, rows: int = 0, name_width: int = 10) -> None:
    servers.psql(database_url, SCHEMA)
    if rows:
        servers.psql(
            database_url,
            f"INSERT INTO products SELECT g, 'item-' || lpad(g::text, {name_width}, '0'), g * 0.01 "
            f"FROM generate_series(1, {rows}) AS g",
        )


def backend_states(database_url: str) -> list[str]:
    """States of the app's connections to this database (psql's own connection excluded)."""
    sql = "SELECT state FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    return servers.psql(database_url, sql).stdout.splitlines()


async def wait_until_all_idle(database_url: str) -> list[str]:
    for _ in range(200):
        states = await anyio.to_thread.run_sync(backend_states, database_url)
        if states and all(state == "idle" for state in states):
            return states
        await asyncio.sleep(0.05)
    raise AssertionError(f"connections still busy: {states}")


async def test_csv_is_exact_including_quotes_newlines_nulls_and_unicode(
    database_url, load_snippet, asgi_client
):
    create_products(database_url)
    servers.psql(
        database_url,
        "INSERT INTO products VALUES (1, 'pen', 1.50), (2, 'desk, oak', 120), (3, 'the \"best\" mug', NULL),"
        " (4, E'two\\nlines', 3.25), (5, 'crème brûlée', 7)",
    )
    module = load_snippet("streaming/csv_export.py", DATABASE_URL=database_url, EXPORT_BATCH_SIZE="2")
    async with asgi_client(module.app) as client:
        response = await client.get("/products.csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="products.csv"'
    assert response.content.decode() == (
        "id,name,price\r\n"
        "1,pen,1.50\r\n"
        '2,"desk, oak",120.00\r\n'
        '3,"the ""best"" mug",\r\n'
        '4,"two\nlines",3.25\r\n'
        "5,crème brûlée,7.00\r\n"
    )


async def test_empty_table_exports_the_header_alone(database_url, load_snippet, asgi_client):
    create_products(database_url)
    module = load_snippet("streaming/csv_export.py", DATABASE_URL=database_url)
    async with asgi_client(module.app) as client:
        assert (await client.get("/products.csv")).text == "id,name,price\r\n"


def http_get(path: str) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"test")],
        "client": ("127.0.0.1", 50000),
        "server": ("test", 80),
    }


async def test_each_chunk_holds_one_batch_and_the_first_is_sent_while_the_cursor_is_open(
    database_url, load_snippet
):
    """Memory stays flat: a 10x bigger table means 10x more chunks, never a bigger one."""
    create_products(database_url, rows=1000)
    module = load_snippet("streaming/csv_export.py", DATABASE_URL=database_url, EXPORT_BATCH_SIZE="100")
    chunks: list[bytes] = []
    states_at_first_chunk: list[str] = []

    async def receive() -> dict:
        await asyncio.Event().wait()  # the client never leaves
        raise AssertionError("unreachable")

    async def send(message: dict) -> None:
        if message["type"] == "http.response.body" and message["body"]:
            if not chunks:
                states_at_first_chunk.extend(await anyio.to_thread.run_sync(backend_states, database_url))
            chunks.append(message["body"])

    async with LifespanManager(module.app) as manager:
        await manager.app(http_get("/products.csv"), receive, send)
    rows_per_chunk = [chunk.count(b"\r\n") for chunk in chunks]
    assert rows_per_chunk == [101] + [100] * 9  # the header rides with the first batch
    assert "idle in transaction" in states_at_first_chunk  # the cursor still had 900 rows to read
    assert b"".join(chunks).endswith(b"1000,item-0000001000,10.00\r\n")


async def test_disconnect_mid_stream_ends_the_transaction_and_returns_the_connection(
    database_url, load_snippet, live_server
):
    # About 12 MB of CSV against a client with a small fixed receive buffer: the server must wait.
    create_products(database_url, rows=100_000, name_width=100)
    module = load_snippet("streaming/csv_export.py", DATABASE_URL=database_url, EXPORT_BATCH_SIZE="500")
    url = live_server(module.app)
    address = urlsplit(url)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)  # also turns off autotuning
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (address.hostname, address.port))
    reader, writer = await asyncio.open_connection(sock=sock)
    try:
        writer.write(b"GET /products.csv HTTP/1.1\r\nHost: test\r\n\r\n")
        received = b""
        while b"1,item-" not in received:
            received += await asyncio.wait_for(reader.read(4096), 10)
        assert received.startswith(b"HTTP/1.1 200 OK\r\n")
        # The client stops reading; the export is parked with its cursor open.
        for _ in range(200):
            states = await anyio.to_thread.run_sync(backend_states, database_url)
            if "idle in transaction" in states:
                break
            await asyncio.sleep(0.05)
        assert "idle in transaction" in states
    finally:
        writer.close()  # the client goes away mid-stream
        await writer.wait_closed()
    await wait_until_all_idle(database_url)
    # The pool still serves: the connection came back rather than leaking.
    async with (
        httpx.AsyncClient(base_url=url, timeout=10) as client,
        client.stream("GET", "/products.csv") as response,
    ):
        assert (await anext(response.aiter_bytes())).startswith(b"id,name,price\r\n")
    await wait_until_all_idle(database_url)
