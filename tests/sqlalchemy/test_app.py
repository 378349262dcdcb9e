"""snippets/sqlalchemy/app.py: engine in the lifespan, session per request, 404 / 409 / 422 / 503."""

import contextlib
import socket

import pytest
import servers
from asgi_lifespan import LifespanManager
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, MissingGreenlet
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str]


PEN = {"sku": "PEN-1", "name": "Pen"}
INK = {"sku": "INK-1", "name": "Ink"}


def rows(database_url: str) -> list[str]:
    return servers.psql(database_url, "SELECT sku FROM products ORDER BY sku").stdout.split()


def terminate_backends(database_url: str) -> None:
    name = database_url.rsplit("/", 1)[1]
    servers.psql(
        database_url,
        f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' "
        "AND pid <> pg_backend_pid()",
    )


async def test_created_products_are_read_back(load_snippet, asgi_client, database_url):
    module = load_snippet("sqlalchemy/app.py", DATABASE_URL=database_url)
    async with asgi_client(module.app) as client:
        created = await client.post("/products", json=[PEN, INK])
        assert created.status_code == 201
        pen_id = created.json()[0]["id"]
        read = await client.get(f"/products/{pen_id}")
    assert read.status_code == 200
    assert read.json() == {"id": pen_id, **PEN}


async def test_missing_product_answers_404(load_snippet, asgi_client, database_url):
    module = load_snippet("sqlalchemy/app.py", DATABASE_URL=database_url)
    async with asgi_client(module.app) as client:
        response = await client.get("/products/12345")
    assert response.status_code == 404
    assert response.json() == {"detail": "product not found"}


async def test_duplicate_sku_answers_409_and_writes_none_of_the_batch(
    load_snippet, asgi_client, database_url
):
    module = load_snippet("sqlalchemy/app.py", DATABASE_URL=database_url)
    async with asgi_client(module.app) as client:
        assert (await client.post("/products", json=[PEN])).status_code == 201
        response = await client.post("/products", json=[INK, {"sku": "PEN-1", "name": "Another pen"}])
    assert response.status_code == 409
    assert rows(database_url) == ["PEN-1"]  # INK-1, valid on its own, was rolled back with the duplicate


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/products/abc", None),
        ("GET", "/products/0", None),
        ("GET", f"/products/{2**31}", None),  # past PostgreSQL's integer: the driver would fail with a 500
        ("POST", "/products", b'[{"sku": "X-1", "name": '),  # malformed JSON
        ("POST", "/products", [{"sku": "X" * 33, "name": "Too long"}]),
        ("POST", "/products", [{"sku": f"X-{n}", "name": "Many"} for n in range(101)]),
        ("POST", "/products", []),
    ],
)
async def test_bad_input_answers_422_and_writes_nothing(
    load_snippet, asgi_client, database_url, method, path, body
):
    module = load_snippet("sqlalchemy/app.py", DATABASE_URL=database_url)
    async with asgi_client(module.app) as client:
        assert (await client.post("/products", json=[PEN])).status_code == 201
        content = body if isinstance(body, bytes) else None
        json = None if isinstance(body, bytes) else body
        response = await client.request(method, path, content=content, json=json)
    assert response.status_code == 422
    assert rows(database_url) == ["PEN-1"]


async def test_exhausted_pool_answers_503_after_pool_timeout(
    load_snippet, asgi_client, database_url, lifespan_state
):
    module = load_snippet(
        "sqlalchemy/app.py",
        DATABASE_URL=database_url,
        DB_POOL_SIZE="1",
        DB_MAX_OVERFLOW="0",
        DB_POOL_TIMEOUT="0.2",
    )
    state = lifespan_state(module.app)
    async with asgi_client(module.app) as client:
        async with state["sessionmaker"]() as holder:
            await holder.connection()  # the pool's only connection is now checked out
            busy = await client.get("/products/1")
        free = await client.get("/products/1")
    assert busy.status_code == 503
    assert busy.headers["retry-after"] == "5"
    assert free.status_code == 404


async def test_pre_ping_replaces_connections_the_server_closed(load_snippet, asgi_client, database_url):
    module = load_snippet("sqlalchemy/app.py", DATABASE_URL=database_url)
    async with asgi_client(module.app) as client:
        assert (await client.get("/products/1")).status_code == 404  # a connection now sits in the pool
        terminate_backends(database_url)  # as a server restart or an idle timeout in a proxy would
        response = await client.get("/products/1")
    assert response.status_code == 404


async def test_without_pre_ping_the_first_query_after_a_disconnect_fails(database_url):
    engine = create_async_engine(database_url.replace("postgresql://", "postgresql+asyncpg://"))
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        terminate_backends(database_url)
        with pytest.raises(DBAPIError) as error:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        assert error.value.connection_invalidated
    finally:
        await engine.dispose()


async def test_stopped_database_answers_503(load_snippet, asgi_client):
    with contextlib.ExitStack() as server:
        private_url = server.enter_context(servers.postgres())  # our own server, so we may stop it
        module = load_snippet("sqlalchemy/app.py", DATABASE_URL=private_url)
        async with asgi_client(module.app) as client:
            created = await client.post("/products", json=[PEN])
            server.close()
            response = await client.get(f"/products/{created.json()[0]['id']}")
    assert response.status_code == 503
    assert response.json() == {"detail": "database unavailable"}


async def test_unreachable_database_fails_startup_within_connect_timeout(load_snippet):
    with socket.socket() as blackhole:  # accepts TCP connections but never answers
        blackhole.bind((servers.HOST, 0))
        blackhole.listen()
        port = blackhole.getsockname()[1]
        module = load_snippet(
            "sqlalchemy/app.py",
            DATABASE_URL=f"postgresql://postgres@{servers.HOST}:{port}/db",
            DB_CONNECT_TIMEOUT="0.5",
        )
        with pytest.raises(TimeoutError):
            async with LifespanManager(module.app, startup_timeout=None):
                pass


async def test_expire_on_commit_makes_attribute_reads_after_commit_fail(database_url):
    engine = create_async_engine(database_url.replace("postgresql://", "postgresql+asyncpg://"))
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE notes (id serial PRIMARY KEY, body text)"))
        async with async_sessionmaker(engine)() as session:  # expire_on_commit=True, the default
            note = Note(body="hello")
            session.add(note)
            await session.commit()
            with pytest.raises(MissingGreenlet):
                _ = note.body  # expired: reloading it would need I/O
    finally:
        await engine.dispose()
