"""snippets/asyncpg/readings.py: COPY and executemany write all or nothing; a cursor streams reads."""

import asyncio
import json
import time
from collections.abc import AsyncIterable
from typing import Annotated

import asyncpg
import httpx
import pytest
import servers
from fastapi import Depends


def reading(sensor: str, minute: int, value: float = 1.5) -> dict:
    return {"sensor": sensor, "taken_at": f"2026-11-26T10:{minute:02d}:00Z", "value": value}


def stored(database_url: str) -> list[str]:
    sql = "SELECT sensor || '@' || extract(minute FROM taken_at) || '=' || value FROM readings ORDER BY 1"
    return servers.psql(database_url, sql).stdout.split()


async def test_copy_adds_every_reading(database_url, load_snippet, asgi_client):
    module = load_snippet("asyncpg/readings.py", DATABASE_URL=database_url)
    async with asgi_client(module.app) as client:
        response = await client.post("/readings", json=[reading("a", m) for m in range(60)])
    assert response.json() == {"added": 60}
    assert len(stored(database_url)) == 60


async def test_copy_with_one_duplicate_answers_409_and_adds_nothing(database_url, load_snippet, asgi_client):
    module = load_snippet("asyncpg/readings.py", DATABASE_URL=database_url)
    async with asgi_client(module.app) as client:
        assert (await client.post("/readings", json=[reading("a", 0)])).status_code == 201
        response = await client.post(
            "/readings", json=[reading("a", m) for m in range(1, 10)] + [reading("a", 0)]
        )
    assert response.status_code == 409
    assert stored(database_url) == ["a@0=1.5"]


async def test_executemany_upserts_every_reading(database_url, load_snippet, asgi_client):
    module = load_snippet("asyncpg/readings.py", DATABASE_URL=database_url)
    async with asgi_client(module.app) as client:
        await client.post("/readings", json=[reading("a", 0)])
        response = await client.put("/readings", json=[reading("a", 0, 9.0), reading("b", 1, 2.0)])
    assert response.json() == {"written": 2}
    assert stored(database_url) == ["a@0=9", "b@1=2"]


async def test_executemany_failing_midway_writes_nothing(database_url, load_snippet, asgi_client):
    module = load_snippet("asyncpg/readings.py", DATABASE_URL=database_url)
    async with asgi_client(module.app) as client:
        await client.post("/readings", json=[reading("a", 0)])
        servers.psql(database_url, "ALTER TABLE readings ADD CHECK (value < 100)")  # the 3rd row will fail
        with pytest.raises(Exception, match="check constraint"):  # a real server answers 500
            await client.put(
                "/readings", json=[reading("a", 0, 5.0), reading("b", 1), reading("c", 2, 500.0)]
            )
    assert stored(database_url) == ["a@0=1.5"]  # neither the update nor the insert before the failure


@pytest.mark.parametrize(
    "body",
    [
        [],
        [reading("a", m % 60) | {"sensor": f"s{m}"} for m in range(10_001)],
        [reading("a", 0), reading("b", 1) | {"taken_at": "2026-11-26T10:00:00"}],  # no time zone
        [reading("a", 0), {"sensor": "b", "taken_at": "yesterday", "value": 1}],
        [reading("a", 0), reading("x" * 33, 1)],
        b'[{"sensor": "a", "value": NaN, "taken_at": "2026-11-26T10:00:00Z"}]',
        b'[{"sensor": "a"',
    ],
    ids=["empty", "too-many", "naive-time", "bad-time", "long-sensor", "nan", "malformed"],
)
async def test_bad_batch_answers_422_and_writes_nothing(database_url, load_snippet, asgi_client, body):
    module = load_snippet("asyncpg/readings.py", DATABASE_URL=database_url)
    async with asgi_client(module.app) as client:
        content, json_body = (body, None) if isinstance(body, bytes) else (None, body)
        responses = [
            await client.request(method, "/readings", content=content, json=json_body)
            for method in ("POST", "PUT")
        ]
    assert [response.status_code for response in responses] == [422, 422]
    assert stored(database_url) == []


async def test_exhausted_pool_answers_503_and_writes_nothing(
    database_url, load_snippet, asgi_client, lifespan_state
):
    module = load_snippet("asyncpg/readings.py", DATABASE_URL=database_url, DB_ACQUIRE_TIMEOUT="0.2")
    state = lifespan_state(module.app)
    async with asgi_client(module.app) as client:
        pool = state["pool"]
        held = [await pool.acquire() for _ in range(pool.get_max_size())]
        busy = await client.post("/readings", json=[reading("s", 1)])
        for connection in held:
            await pool.release(connection)
        count = await pool.fetchval("SELECT count(*) FROM readings")
    assert (busy.status_code, busy.headers["retry-after"]) == (503, "5")
    assert count == 0


async def test_batch_past_command_timeout_answers_504(database_url, load_snippet, asgi_client, monkeypatch):
    async def past_command_timeout(*args, **kwargs):
        raise TimeoutError  # what asyncpg raises when command_timeout runs out

    monkeypatch.setattr(asyncpg.Connection, "executemany", past_command_timeout)
    module = load_snippet("asyncpg/readings.py", DATABASE_URL=database_url)
    async with asgi_client(module.app) as client:
        response = await client.put("/readings", json=[reading("s", 1)])
    assert (response.status_code, response.json()) == (504, {"detail": "database timeout"})


async def test_cursor_streams_every_row_as_json_lines(database_url, load_snippet, asgi_client):
    module = load_snippet("asyncpg/readings.py", DATABASE_URL=database_url)
    async with asgi_client(module.app) as client:
        servers.psql(
            database_url,
            "INSERT INTO readings SELECT 's' || (n % 7), timestamptz '2026-01-01' + n * interval '1 s', n "
            "FROM generate_series(1, 5000) AS n",
        )
        response = await client.get("/readings")
    assert response.headers["content-type"] == "application/jsonl"
    rows = [json.loads(line) for line in response.text.splitlines()]
    assert len(rows) == 5000
    assert sum(row["value"] for row in rows) == sum(range(1, 5001))
    assert rows == sorted(rows, key=lambda row: (row["sensor"], row["taken_at"]))


async def test_client_leaving_mid_stream_returns_the_connection(
    database_url, load_snippet, live_server, lifespan_state
):
    module = load_snippet("asyncpg/readings.py", DATABASE_URL=database_url)
    state = lifespan_state(module.app)
    url = live_server(module.app)
    servers.psql(
        database_url,
        "INSERT INTO readings SELECT 's', timestamptz '2026-01-01' + n * interval '1 s', n "
        "FROM generate_series(1, 200000) AS n",
    )
    pool = state["pool"]
    async with (
        httpx.AsyncClient(base_url=url, timeout=10) as client,
        client.stream("GET", "/readings") as stream,
    ):
        lines = stream.aiter_lines()
        assert json.loads(await anext(lines))["value"] == 1
        assert pool.get_idle_size() < pool.get_size()  # the stream holds a connection
    deadline = time.monotonic() + 10
    while pool.get_idle_size() < pool.get_size() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert pool.get_idle_size() == pool.get_size()  # released once the client left, long before the end


async def test_function_scoped_connection_is_released_before_the_stream_reads(
    database_url, load_snippet, asgi_client
):
    module = load_snippet("asyncpg/readings.py", DATABASE_URL=database_url)
    EarlyConnection = Annotated[asyncpg.Connection, Depends(module.get_connection, scope="function")]

    @module.app.get("/early")
    async def export_early(connection: EarlyConnection) -> AsyncIterable[module.Reading]:
        async with connection.transaction(readonly=True):
            async for row in connection.cursor("SELECT sensor, taken_at, value FROM readings"):
                yield module.Reading.model_validate(dict(row))

    async with asgi_client(module.app) as client:
        with pytest.raises(asyncpg.InterfaceError, match="released back to the pool"):  # a 500 in production
            await client.get("/early")
