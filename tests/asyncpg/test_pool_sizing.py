"""One pool per process caps the connections; a pool per request (wrong_pool_per_request.py) does not."""

import asyncio
import time

import asyncpg
import servers
from conftest import connections_to

BACKENDS = (
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


async def wait_for_waiters(observer: asyncpg.Connection, expected: int, sent: list[asyncio.Task]) -> None:
    deadline = time.monotonic() + 15
    while (waiting := await observer.fetchval("SELECT count(*) FROM pg_locks WHERE NOT granted")) < expected:
        finished = sum(task.done() for task in sent)
        if waiting + finished == len(sent) or time.monotonic() > deadline:
            return  # every request is either waiting on the lock or already answered
        await asyncio.sleep(0.02)


async def run_while_locked(database_url: str, client, requests: int, waiters: int) -> tuple[list, int]:
    """Send requests while the products table is locked; count backends once `waiters` queries wait."""
    locker = await asyncpg.connect(database_url, timeout=10)
    observer = await asyncpg.connect(database_url, timeout=10)  # outside the lock's transaction: fresh stats
    try:
        async with locker.transaction():
            await locker.execute("LOCK TABLE products IN ACCESS EXCLUSIVE MODE")
            sent = [asyncio.create_task(client.get("/products/1")) for _ in range(requests)]
            await wait_for_waiters(observer, waiters, sent)
            backends = await observer.fetchval(BACKENDS) - 1  # minus the locker
        results = await asyncio.gather(*sent, return_exceptions=True)
    finally:
        await observer.close()
        await locker.close()
    return results, backends


async def test_one_pool_serves_many_requests_within_max_size(database_url, load_snippet, asgi_client):
    module = load_snippet(
        "asyncpg/app.py", DATABASE_URL=database_url, DB_POOL_SIZE="3", DB_ACQUIRE_TIMEOUT="30"
    )
    async with asgi_client(module.app) as client:
        servers.psql(database_url, "INSERT INTO products (sku, stock) VALUES ('PEN-1', 5)")
        results, backends = await run_while_locked(database_url, client, requests=12, waiters=3)
    assert backends == 3  # twelve requests in flight, three connections: the others wait in the pool
    assert [result.status_code for result in results] == [200] * 12


async def test_pool_per_request_multiplies_connections_until_the_server_refuses(
    database_url, load_snippet, asgi_client
):
    role = "app_" + database_url.rsplit("/", 1)[1]  # limits apply to ordinary roles, not to superusers
    servers.psql(database_url, f"CREATE ROLE {role} LOGIN CONNECTION LIMIT 25")  # room for two such pools
    servers.psql(
        database_url,
        f"CREATE TABLE products (id integer PRIMARY KEY, sku text); GRANT SELECT ON products TO {role}",
    )
    try:
        module = load_snippet(
            "asyncpg/wrong_pool_per_request.py", DATABASE_URL=database_url.replace("postgres@", f"{role}@")
        )
        async with asgi_client(module.app) as client:
            results, backends = await run_while_locked(database_url, client, requests=4, waiters=2)
    finally:
        servers.psql(database_url, f"DROP OWNED BY {role}; DROP ROLE {role}")
    refused = [result for result in results if isinstance(result, asyncpg.TooManyConnectionsError)]
    served = [result for result in results if not isinstance(result, Exception)]
    assert len(refused) >= 2  # four requests wanted forty connections; at most two pools fit in 25
    assert backends >= 10 * len(served)  # every request that got through held ten connections
    assert all(response.status_code == 404 for response in served)


def test_every_worker_process_opens_its_own_pool(database_url, load_snippet, app_process):
    # Two workers racing through CREATE TABLE IF NOT EXISTS fail (duplicate pg_type key): migrate first.
    servers.psql(database_url, load_snippet("asyncpg/app.py", DATABASE_URL=database_url).SCHEMA)
    app_process("asyncpg/app.py", env={"DATABASE_URL": database_url}, args=("--workers", "2"))
    name = database_url.rsplit("/", 1)[1]
    deadline = time.monotonic() + 30
    while (backends := connections_to(database_url, name)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert backends == 2  # min_size=1 in each of two workers: size pools as workers x max_size
