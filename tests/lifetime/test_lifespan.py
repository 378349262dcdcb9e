"""snippets/lifetime/lifespan.py: one client, one Redis, one pool, opened and closed by the lifespan."""

from typing import Annotated

import asyncpg
import httpx
import pytest
import servers
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import FastAPIError
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from upstream_server import Reply


@pytest.fixture
def exits(monkeypatch):
    """Record the order in which the three kinds of resource are closed."""
    closed = []
    for name, kind in {"http": httpx.AsyncClient, "redis": Redis, "db": asyncpg.Pool}.items():

        async def spy(self, *exc_info, _name=name, _exit=kind.__aexit__):
            if not isinstance(
                getattr(self, "_transport", None), httpx.ASGITransport
            ):  # not the test's client
                closed.append(_name)
            return await _exit(self, *exc_info)

        monkeypatch.setattr(kind, "__aexit__", spy)
    return closed


@pytest.fixture
def users_table(database_url):
    servers.psql(
        database_url,
        "CREATE TABLE users (id int PRIMARY KEY, name text); INSERT INTO users VALUES (1, 'Ada')",
    )
    return database_url


def load(load_snippet, database_url, redis_url, upstream):
    return load_snippet(
        "lifetime/lifespan.py", DATABASE_URL=database_url, REDIS_URL=redis_url, AVATARS_URL=upstream.url
    )


async def test_requests_share_one_client_connection_and_the_pools(
    load_snippet, users_table, redis_url, upstream, asgi_client
):
    upstream.replies["/avatars/1"] = Reply(body={"url": "https://img/1.png"})
    async with asgi_client(load(load_snippet, users_table, redis_url, upstream).app) as client:
        visits = [(await client.get("/users/1")).json()["visits"] for _ in range(5)]
        missing = await client.get("/users/2")
    assert visits == [1, 2, 3, 4, 5]
    assert missing.status_code == 404
    assert len(upstream.received) == 5
    assert upstream.connections_opened == 1  # keep-alive: the shared client reused its connection


@pytest.mark.parametrize(
    "reply", [Reply(status=500), Reply(body={"link": "https://img/1.png"}), Reply(body=["https://img/1.png"])]
)
async def test_upstream_failure_or_malformed_answer_is_a_502(
    load_snippet, users_table, redis_url, upstream, asgi_client, reply
):
    upstream.replies["/avatars/1"] = reply
    async with asgi_client(load(load_snippet, users_table, redis_url, upstream).app) as client:
        response = await client.get("/users/1")
    assert (response.status_code, response.json()) == (502, {"detail": "avatar service failed"})


@pytest.mark.parametrize("user_id", [0, 2**31, 10**30])
async def test_out_of_range_user_id_is_a_422_that_never_reaches_the_database(
    load_snippet, users_table, redis_url, upstream, asgi_client, user_id
):
    async with asgi_client(load(load_snippet, users_table, redis_url, upstream).app) as client:
        response = await client.get(f"/users/{user_id}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "user_id"]
    assert upstream.received == []


async def test_exhausted_pool_answers_503_instead_of_waiting_forever(
    load_snippet, users_table, redis_url, upstream, asgi_client, lifespan_state
):
    module = load_snippet(
        "lifetime/lifespan.py",
        DATABASE_URL=users_table,
        REDIS_URL=redis_url,
        AVATARS_URL=upstream.url,
        DB_ACQUIRE_TIMEOUT="0.2",
    )
    state = lifespan_state(module.app)
    async with asgi_client(module.app) as client:
        pool = state["db"]
        held = [await pool.acquire() for _ in range(pool.get_max_size())]
        busy = await client.get("/users/1")
        for connection in held:
            await pool.release(connection)
    assert (busy.status_code, busy.headers["retry-after"]) == (503, "5")
    assert upstream.received == []


async def test_redis_failure_answers_503(
    load_snippet, users_table, redis_url, upstream, asgi_client, monkeypatch
):
    async def redis_down(*args, **kwargs):
        raise RedisConnectionError("Redis is down")

    monkeypatch.setattr(Redis, "incr", redis_down)
    async with asgi_client(load(load_snippet, users_table, redis_url, upstream).app) as client:
        response = await client.get("/users/1")
    assert (response.status_code, response.json()) == (503, {"detail": "service unavailable"})


async def test_shutdown_closes_every_resource_in_reverse_order(
    load_snippet, users_table, redis_url, upstream, asgi_client, exits
):
    # The database_url and redis_url fixtures also fail the test if a connection stays open.
    async with asgi_client(load(load_snippet, users_table, redis_url, upstream).app):
        assert exits == []
    assert exits == ["db", "redis", "http"]


async def test_failed_startup_closes_what_was_already_open(
    load_snippet, redis_url, upstream, asgi_client, exits
):
    nothing_listens = f"postgresql://postgres@127.0.0.1:{servers.free_port()}/app"
    module = load(load_snippet, nothing_listens, redis_url, upstream)
    with pytest.raises(OSError):
        async with asgi_client(module.app):
            pass
    assert exits == ["redis", "http"]  # the Redis connection opened by ping() is closed too


def test_fastapi_does_not_accept_starlettes_generic_request():
    """Why the dependencies read request.state: Request[State] is not a valid FastAPI parameter."""
    app = FastAPI()

    def get_http(request: Request[dict]) -> httpx.AsyncClient:  # type: ignore[type-arg]
        return request.state.http

    with pytest.raises(FastAPIError, match="Invalid args"):

        @app.get("/")
        async def root(http: Annotated[httpx.AsyncClient, Depends(get_http)]) -> None:
            pass
