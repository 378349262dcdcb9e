"""snippets/sqlalchemy/parallel_queries.py and wrong_shared_session.py."""

import asyncio
import time

import asyncpg
import pytest
from sqlalchemy import event
from sqlalchemy.exc import InvalidRequestError

SEED = """
INSERT INTO customers VALUES (1), (2);
INSERT INTO orders VALUES (1), (2), (3);
INSERT INTO invoices VALUES (1);
"""
EXPECTED = {"customers": 2, "orders": 3, "invoices": 1}
WAITING_ON_LOCKS = "SELECT count(*) FROM pg_locks WHERE NOT granted"  # live, unlike pg_stat_activity


async def wait_for(connection: asyncpg.Connection, query: str, expected: int) -> int:
    deadline = time.monotonic() + 10
    while (value := await connection.fetchval(query)) != expected and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    return value


async def test_session_per_task_runs_the_queries_at_the_same_time(database_url, load_snippet, asgi_client):
    module = load_snippet("sqlalchemy/parallel_queries.py", DATABASE_URL=database_url)
    async with asgi_client(module.app) as client:
        locker = await asyncpg.connect(database_url, timeout=10)
        try:
            await locker.execute(SEED)
            async with locker.transaction():  # the three tables stay locked until we leave this block
                await locker.execute("LOCK TABLE customers, orders, invoices IN ACCESS EXCLUSIVE MODE")
                request = asyncio.create_task(client.get("/dashboard"))
                waiting = await wait_for(locker, WAITING_ON_LOCKS, 3)
            response = await request
        finally:
            await locker.close()
    assert waiting == 3  # three queries in flight at once, each on its own connection
    assert response.json() == EXPECTED


async def test_combined_query_answers_in_one_statement(database_url, load_snippet, asgi_client):
    module = load_snippet("sqlalchemy/parallel_queries.py", DATABASE_URL=database_url)
    async with asgi_client(module.app) as client:
        locker = await asyncpg.connect(database_url, timeout=10)
        try:
            await locker.execute(SEED)
        finally:
            await locker.close()
        response = await client.get("/dashboard/combined")
    assert response.json() == EXPECTED


async def test_shared_session_on_a_cold_pool_raises_invalid_request_error(
    database_url, load_snippet, asgi_client, lifespan_state
):
    module = load_snippet("sqlalchemy/wrong_shared_session.py", DATABASE_URL=database_url)
    state = lifespan_state(module.app)
    async with asgi_client(module.app) as client:
        await state["sessionmaker"].kw["bind"].dispose()  # as after a restart: no pooled connection
        with pytest.raises(InvalidRequestError) as error:  # a real server answers 500
            await client.get("/dashboard")
    # The gather fails first; closing the half-provisioned session then fails too.
    assert "concurrent operations are not permitted" in f"{error.value} {error.value.__context__}"
    # gather() did not cancel the other tasks: one may still be connecting for the broken session.
    others = asyncio.all_tasks() - {asyncio.current_task()}
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)


async def test_shared_session_on_a_warm_pool_runs_the_queries_one_after_another(
    database_url, load_snippet, asgi_client, lifespan_state
):
    module = load_snippet("sqlalchemy/wrong_shared_session.py", DATABASE_URL=database_url)
    state = lifespan_state(module.app)
    async with asgi_client(module.app) as client:
        connections: list[int] = []
        engine = state["sessionmaker"].kw["bind"]
        event.listen(
            engine.sync_engine, "before_cursor_execute", lambda conn, *_: connections.append(id(conn))
        )
        response = await client.get("/dashboard")
    assert response.status_code == 200
    assert len(connections) == 3
    assert len(set(connections)) == 1  # one connection runs one statement at a time: no parallelism
