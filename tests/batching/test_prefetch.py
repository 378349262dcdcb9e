import asyncpg
import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InvalidRequestError, MissingGreenlet
from sqlalchemy.ext.asyncio import create_async_engine

AUTHORS = 6


@pytest.fixture
def selects():
    """Every SELECT any SQLAlchemy engine sends while the test runs."""
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    yield statements
    event.remove(Engine, "before_cursor_execute", record)


async def seed(database_url):
    connection = await asyncpg.connect(database_url)
    try:
        await connection.executemany(
            "INSERT INTO authors (id, name) VALUES ($1, $2)", [(n, f"author {n}") for n in range(AUTHORS)]
        )
        await connection.executemany(
            "INSERT INTO books (title, author_id) VALUES ($1, $2)",
            [(f"book {n}.{m}", n) for n in range(AUTHORS) for m in range(2)],
        )
    finally:
        await connection.close()


def titles(body):
    return {author["name"]: [book["title"] for book in author["books"]] for author in body}


EXPECTED = {f"author {n}": [f"book {n}.0", f"book {n}.1"] for n in range(AUTHORS)}


async def test_selectinload_answers_in_two_queries(load_snippet, asgi_client, database_url, selects):
    module = load_snippet("batching/prefetch.py", DATABASE_URL=database_url)
    async with asgi_client(module.app) as client:
        await seed(database_url)
        selects.clear()
        response = await client.get("/authors")
    assert titles(response.json()) == EXPECTED
    assert len(selects) == 2  # authors, then books WHERE author_id IN (...)


async def test_a_query_per_row_costs_n_plus_one(load_snippet, asgi_client, database_url, selects):
    module = load_snippet("batching/wrong_n_plus_one.py", DATABASE_URL=database_url)
    async with asgi_client(module.app) as client:
        await seed(database_url)
        selects.clear()
        response = await client.get("/authors")
    assert titles(response.json()) == EXPECTED
    assert len(selects) == 1 + AUTHORS


async def test_lazy_raise_turns_a_forgotten_prefetch_into_an_error(load_snippet, asgi_client, database_url):
    module = load_snippet("batching/prefetch.py", DATABASE_URL=database_url)
    async with asgi_client(module.app):
        await seed(database_url)
    engine = create_async_engine(module.DATABASE_URL.set(drivername="postgresql+asyncpg"))
    try:
        async with module.async_sessionmaker(engine)() as session:
            author = await session.scalar(select(module.Author).where(module.Author.id == 0))
            with pytest.raises(InvalidRequestError, match="lazy='raise'"):
                _ = author.books
    finally:
        await engine.dispose()


async def test_touching_an_unloaded_relationship_in_async_raises_missing_greenlet(
    load_snippet, asgi_client, database_url
):
    module = load_snippet("batching/wrong_n_plus_one.py", DATABASE_URL=database_url)
    async with asgi_client(module.app):
        await seed(database_url)
    engine = create_async_engine(module.DATABASE_URL.set(drivername="postgresql+asyncpg"))
    try:
        async with module.async_sessionmaker(engine)() as session:
            author = await session.scalar(select(module.Author).where(module.Author.id == 0))
            with pytest.raises(MissingGreenlet):
                _ = author.books
            assert [book.title for book in await author.awaitable_attrs.books] == ["book 0.0", "book 0.1"]
    finally:
        await engine.dispose()
