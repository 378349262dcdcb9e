"""Tortoise ORM app (snippets/tortoise/app.py) against the real PostgreSQL."""

import asyncio
import contextlib
import warnings

import pytest
import servers
from conftest import connections_to
from fastapi import FastAPI
from starlette.middleware.exceptions import ExceptionMiddleware
from tortoise import Tortoise, fields
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.contrib.fastapi import RegisterTortoise
from tortoise.exceptions import NoValuesFetched

SNIPPET = "tortoise/app.py"


@pytest.fixture
def app(load_snippet, database_url):
    return load_snippet(SNIPPET, DATABASE_URL=database_url).app


@contextlib.asynccontextmanager
async def running(asgi_client, app):
    """The app with its lifespan run and its tables created (migrations do this in production)."""
    async with asgi_client(app) as client:
        await Tortoise.generate_schemas()
        yield client


def rows(database_url: str, sql: str) -> list[str]:
    return servers.psql(database_url, sql).stdout.split()


async def test_create_and_read_a_team(load_snippet, asgi_client, database_url):
    module = load_snippet(SNIPPET, DATABASE_URL=database_url)
    async with running(asgi_client, module.app) as client:
        created = await client.post("/teams", json={"name": "core", "members": ["b@x.io", "a@x.io"]})
        read = await client.get(f"/teams/{created.json()['id']}")
        unfetched = await module.Team.get(id=created.json()["id"])
        with pytest.raises(NoValuesFetched):  # why TeamOut.of needs members fetched first
            list(unfetched.members)

    assert created.status_code == 201
    assert read.json() == created.json() == {"id": 1, "name": "core", "members": ["a@x.io", "b@x.io"]}
    assert rows(database_url, "SELECT email FROM member ORDER BY email") == ["a@x.io", "b@x.io"]


async def test_missing_team_answers_404(app, asgi_client):
    async with running(asgi_client, app) as client:
        response = await client.get("/teams/42")

    assert response.status_code == 404
    assert response.json() == {"detail": "team not found"}


async def test_failure_mid_transaction_leaves_nothing_and_answers_409(app, asgi_client, database_url):
    async with running(asgi_client, app) as client:
        await client.post("/teams", json={"name": "core", "members": ["taken@x.io"]})
        # The team and the first member are inserted before the second member collides.
        response = await client.post("/teams", json={"name": "web", "members": ["new@x.io", "taken@x.io"]})

    assert response.status_code == 409
    assert response.json() == {"detail": "conflicts with existing data"}  # no SQL, no values
    assert rows(database_url, "SELECT name FROM team") == ["core"]
    assert rows(database_url, "SELECT email FROM member") == ["taken@x.io"]


async def test_duplicate_team_name_answers_409(app, asgi_client, database_url):
    async with running(asgi_client, app) as client:
        first = await client.post("/teams", json={"name": "core"})
        second = await client.post("/teams", json={"name": "core", "members": ["a@x.io"]})

    assert (first.status_code, second.status_code) == (201, 409)
    assert rows(database_url, "SELECT count(*) FROM team") == ["1"]
    assert rows(database_url, "SELECT count(*) FROM member") == ["0"]


@pytest.mark.parametrize(
    "body",
    [
        {"name": ""},
        {"name": "x" * 101},
        {"name": "core", "members": ["not-an-email"]},
        {"name": "core", "members": [f"m{n}@x.io" for n in range(51)]},
        "{broken json",
    ],
)
async def test_bad_body_answers_422_and_writes_nothing(app, asgi_client, database_url, body):
    async with running(asgi_client, app) as client:
        kwargs = {"content": body} if isinstance(body, str) else {"json": body}
        response = await client.post("/teams", **kwargs)

    assert response.status_code == 422
    assert rows(database_url, "SELECT (SELECT count(*) FROM team) + (SELECT count(*) FROM member)") == ["0"]


@pytest.mark.parametrize("team_id", ["abc", "0", "-1", str(2**31)])
async def test_bad_id_answers_422(app, asgi_client, team_id):
    async with running(asgi_client, app) as client:
        response = await client.get(f"/teams/{team_id}")

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "team_id"]


async def test_unreachable_database_answers_503(load_snippet, asgi_client):
    dead = f"postgresql://postgres@127.0.0.1:{servers.free_port()}/app"
    module = load_snippet(SNIPPET, DATABASE_URL=dead)
    async with asgi_client(module.app) as client:  # Tortoise connects lazily: startup succeeds
        response = await client.get("/teams/1")

    assert response.status_code == 503


def test_url_names_the_driver_and_sets_timeouts(load_snippet):
    module = load_snippet(SNIPPET)
    url = module.tortoise_url("postgresql://user:pw@db:5432/app?application_name=api")

    assert url == "asyncpg://user:pw@db:5432/app?application_name=api&timeout=5&command_timeout=10&maxsize=10"


def test_pk_true_is_deprecated():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fields.IntField(pk=True)

    assert [w.category for w in caught] == [DeprecationWarning]


@pytest.mark.parametrize("scheme", ["asyncpg", "postgres", "postgresql"])
def test_postgres_schemes_all_mean_asyncpg(scheme):
    assert expand_db_url(f"{scheme}://user@db:5432/app")["engine"] == "tortoise.backends.asyncpg"


def test_add_exception_handlers_is_deprecated_and_patches_starlette(monkeypatch):
    original = ExceptionMiddleware.__call__
    monkeypatch.setattr(ExceptionMiddleware, "__call__", original)  # restored after the test
    with pytest.warns(DeprecationWarning, match="tortoise_exception_handlers"):
        RegisterTortoise(FastAPI(), db_url="asyncpg://user@db/app", add_exception_handlers=True)

    assert ExceptionMiddleware.__call__ is not original  # every app in the process is affected


async def test_shutdown_closes_every_pooled_connection(app, asgi_client, postgres_server, database_url):
    name = database_url.rsplit("/", 1)[1]
    async with running(asgi_client, app) as client:
        await asyncio.gather(*(client.get(f"/teams/{n}") for n in range(1, 6)))
        during = connections_to(postgres_server, name)

    assert during >= 1
    assert connections_to(postgres_server, name) == 0
