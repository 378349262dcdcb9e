"""snippets/sqlalchemy/relationships.py: eager loading works in a fixed number of queries; lazy fails."""

import pytest
import servers
from pydantic import ValidationError
from sqlalchemy import event

SEED = """
INSERT INTO authors (id, name) VALUES (1, 'Ada'), (2, 'Brian'), (3, 'Chen');
INSERT INTO books (id, title, author_id)
    VALUES (1, 'Notes', 1), (2, 'Engines', 1), (3, 'Unix', 2), (4, 'Go', 3);
"""


def count_statements(state) -> list[str]:
    statements: list[str] = []
    engine = state["sessionmaker"].kw["bind"]
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    return statements


async def test_selectinload_returns_the_collection_in_two_queries(
    database_url, load_snippet, asgi_client, lifespan_state
):
    module = load_snippet("sqlalchemy/relationships.py", DATABASE_URL=database_url)
    state = lifespan_state(module.app)
    async with asgi_client(module.app) as client:
        servers.psql(database_url, SEED)
        statements = count_statements(state)
        response = await client.get("/authors/1")
    assert response.status_code == 200
    assert response.json() == {
        "id": 1,
        "name": "Ada",
        "books": [{"id": 1, "title": "Notes"}, {"id": 2, "title": "Engines"}],
    }
    assert len(statements) == 2


async def test_joinedload_returns_every_author_in_one_query(
    database_url, load_snippet, asgi_client, lifespan_state
):
    module = load_snippet("sqlalchemy/relationships.py", DATABASE_URL=database_url)
    state = lifespan_state(module.app)
    async with asgi_client(module.app) as client:
        servers.psql(database_url, SEED)
        statements = count_statements(state)
        response = await client.get("/books")
    assert [(book["title"], book["author"]["name"]) for book in response.json()] == [
        ("Notes", "Ada"),
        ("Engines", "Ada"),
        ("Unix", "Brian"),
        ("Go", "Chen"),
    ]
    assert len(statements) == 1  # no query per book


async def test_missing_author_answers_404(database_url, load_snippet, asgi_client):
    module = load_snippet("sqlalchemy/relationships.py", DATABASE_URL=database_url)
    async with asgi_client(module.app) as client:
        response = await client.get("/authors/99")
    assert (response.status_code, response.json()) == (404, {"detail": "author not found"})


async def test_lazy_load_in_async_code_raises_missing_greenlet(database_url, load_snippet, asgi_client):
    module = load_snippet("sqlalchemy/relationships.py", DATABASE_URL=database_url)
    async with asgi_client(module.app) as client:
        servers.psql(database_url, SEED)
        with pytest.raises(ValidationError, match="MissingGreenlet"):  # a real server answers 500
            await client.get("/wrong/authors/1")
