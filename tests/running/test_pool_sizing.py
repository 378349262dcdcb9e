"""Processes x pool size against a connection limit: the process that does not fit fails at startup."""

from __future__ import annotations

import os

import httpx
import pytest
import servers

LIMIT = 3


@pytest.fixture
def limited_role_url(postgres_server, database_url):
    """A login role allowed LIMIT connections, and the database URL that connects as it."""
    role = f"pool_role_{os.getpid()}"
    servers.psql(postgres_server, f"CREATE ROLE {role} LOGIN CONNECTION LIMIT {LIMIT}")
    yield database_url.replace("postgresql://postgres@", f"postgresql://{role}@")
    servers.psql(postgres_server, f"DROP ROLE {role}")


# limited_role_url comes first so that its teardown runs after the app processes stopped.
async def test_processes_times_pool_size_over_the_limit_fails_at_startup(
    limited_role_url, app_process, capfd
):
    def start(pool_size: int) -> servers.AppProcess:
        env = {"DATABASE_URL": limited_role_url, "POOL_SIZE": str(pool_size)}
        return app_process("running/pool_sizing.py", env=env)

    first = start(pool_size=2)  # 2 of 3 connections
    with pytest.raises(RuntimeError, match="exited with code 3 before listening"):
        start(pool_size=2)  # 2 + 2 = 4 > 3
    assert "too many connections for role" in capfd.readouterr().err

    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.get(f"{first.url}/now")  # the process that fitted is unaffected
        assert response.status_code == 200
        assert response.json()["pool_size"] == 2

        second = start(pool_size=1)  # 2 + 1 = 3: fits exactly
        response = await client.get(f"{second.url}/now")
        assert response.status_code == 200
        assert response.json()["pool_size"] == 1


async def test_a_request_that_finds_every_connection_busy_answers_503(
    database_url, load_snippet, asgi_client, lifespan_state
):
    module = load_snippet(
        "running/pool_sizing.py", DATABASE_URL=database_url, POOL_SIZE="2", DB_ACQUIRE_TIMEOUT="0.2"
    )
    state = lifespan_state(module.app)
    async with asgi_client(module.app) as client:
        held = [await state["pool"].acquire() for _ in range(2)]
        busy = await client.get("/now")
        for connection in held:
            await state["pool"].release(connection)
        free = await client.get("/now")
    assert (busy.status_code, busy.json()) == (503, {"detail": "database busy"})
    assert (free.status_code, free.json()["pool_size"]) == (200, 2)
