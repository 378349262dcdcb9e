"""Motor app (snippets/mongodb/motor_app.py): on the MongoDB wire server (Python 3.13) and on
mongomock-motor (every Python)."""

import asyncio
import inspect
import subprocess
import sys

import motor.frameworks.asyncio
import pytest
from bson import ObjectId
from mongomock_motor import AsyncMongoMockClient
from motor.motor_asyncio import AsyncIOMotorClient
from pymongo import AsyncMongoClient
from pymongo.errors import ServerSelectionTimeoutError

SNIPPET = "mongodb/motor_app.py"


@pytest.fixture(params=["wire", "mongomock"])
def backend(request, load_snippet, monkeypatch):
    """(app, the collection it writes to)."""
    if request.param == "wire":
        url = request.getfixturevalue("mongo_url")
        module = load_snippet(SNIPPET, MONGODB_URL=url)
        client = AsyncIOMotorClient(url, serverSelectionTimeoutMS=5000)
        yield module.app, client.shop.items
        client.close()
    else:
        module = load_snippet(SNIPPET)
        client = AsyncMongoMockClient()
        monkeypatch.setattr(module, "AsyncIOMotorClient", lambda *args, **kwargs: client)
        yield module.app, client.shop.items


async def test_create_read_push_and_count_tags(backend, asgi_client):
    app, collection = backend
    async with asgi_client(app) as client:
        item_id = (await client.post("/items", json={"sku": "PEN-1", "name": "pen"})).json()["id"]
        other_id = (await client.post("/items", json={"sku": "INK-1", "name": "ink"})).json()["id"]
        for target, tag in [(item_id, "blue"), (item_id, "office"), (other_id, "blue")]:
            assert (await client.post(f"/items/{target}/tags", json={"tag": tag})).status_code == 200
        read = await client.get(f"/items/{item_id}")
        counts = await client.get("/tags")

    assert read.json() == {"id": item_id, "sku": "PEN-1", "name": "pen", "tags": ["blue", "office"]}
    assert counts.json() == [{"tag": "blue", "count": 2}, {"tag": "office", "count": 1}]
    assert (await collection.find_one({"_id": ObjectId(item_id)}))["tags"] == ["blue", "office"]


async def test_client_is_given_timeouts(load_snippet, asgi_client, monkeypatch):
    module, given = load_snippet(SNIPPET), {}

    def recording_client(*args, **kwargs):
        given.update(kwargs)
        return AsyncMongoMockClient()

    monkeypatch.setattr(module, "AsyncIOMotorClient", recording_client)
    async with asgi_client(module.app):
        pass

    assert {"serverSelectionTimeoutMS", "connectTimeoutMS", "timeoutMS"} <= given.keys()


async def test_concurrent_pushes_are_all_kept(backend, asgi_client):
    app, _ = backend
    async with asgi_client(app) as client:
        item_id = (await client.post("/items", json={"sku": "PEN-1", "name": "pen"})).json()["id"]
        tags = [f"tag-{n}" for n in range(20)]
        await asyncio.gather(*(client.post(f"/items/{item_id}/tags", json={"tag": tag}) for tag in tags))
        final = (await client.get(f"/items/{item_id}")).json()

    assert sorted(final["tags"]) == sorted(tags)


async def test_bad_ids_and_bodies_answer_4xx_and_write_nothing(backend, asgi_client):
    app, collection = backend
    async with asgi_client(app) as client:
        item_id = (await client.post("/items", json={"sku": "PEN-1", "name": "pen"})).json()["id"]
        before = await collection.find().to_list(None)
        answers = [
            (await client.get("/items/not-an-id")).status_code,
            (await client.post("/items/not-an-id/tags", json={"tag": "blue"})).status_code,
            (await client.get(f"/items/{ObjectId()}")).status_code,
            (await client.post(f"/items/{ObjectId()}/tags", json={"tag": "blue"})).status_code,
            (await client.post(f"/items/{item_id}/tags", json={"tag": ""})).status_code,
            (await client.post("/items", json={"sku": "PEN-1", "name": "again"})).status_code,
            (await client.post("/items", json={"sku": "PEN 2", "name": "pen"})).status_code,
            (await client.post("/items", content=b"{not json")).status_code,
        ]

    assert answers == [422, 422, 404, 404, 422, 409, 422, 422]
    assert await collection.find().to_list(None) == before


async def test_mongo_going_away_answers_503(load_snippet, asgi_client, private_mongo):
    url, server = private_mongo
    module = load_snippet(SNIPPET, MONGODB_URL=url, MONGODB_TIMEOUT_MS="300")
    async with asgi_client(module.app) as client:
        item_id = (await client.post("/items", json={"sku": "PEN-1", "name": "pen"})).json()["id"]
        server.close()
        read = await client.get(f"/items/{item_id}")

    assert (read.status_code, read.json()) == (503, {"detail": "database unavailable"})


async def test_unreachable_mongo_fails_startup_instead_of_hanging(load_snippet, asgi_client, dead_mongo_url):
    module = load_snippet(SNIPPET, MONGODB_URL=dead_mongo_url, MONGODB_TIMEOUT_MS="200")
    with pytest.raises(ServerSelectionTimeoutError):
        async with asgi_client(module.app):
            pass


async def test_what_changes_from_motor_to_pymongo_async(dead_mongo_url):
    """The migration table's claims; none of them needs a server."""
    motor_client = AsyncIOMotorClient(dead_mongo_url, serverSelectionTimeoutMS=200)
    pymongo_client: AsyncMongoClient = AsyncMongoClient(dead_mongo_url, serverSelectionTimeoutMS=200)
    try:
        # aggregate(): Motor hands back a cursor; PyMongo async hands back a coroutine to await.
        assert not inspect.isawaitable(motor_client.shop.items.aggregate([]))
        pending = pymongo_client.shop.items.aggregate([])
        assert inspect.iscoroutine(pending)
        pending.close()
        # to_list(0) is rejected by PyMongo async: pass no length (or None) for "all".
        with pytest.raises(ValueError, match="length must be greater than 0"):
            await pymongo_client.shop.items.find().to_list(0)
    finally:
        assert not inspect.isawaitable(motor_client.close())  # Motor: plain call
        closing = pymongo_client.close()
        assert inspect.iscoroutine(closing)  # PyMongo async: must be awaited
        await closing


def test_importing_motor_emits_no_deprecation_warning():
    command = [sys.executable, "-W", "error", "-c", "import motor.motor_asyncio"]
    assert subprocess.run(command, capture_output=True, timeout=60).returncode == 0


async def test_motor_threads_outlive_the_client(dead_mongo_url):
    client = AsyncIOMotorClient(dead_mongo_url, serverSelectionTimeoutMS=100)
    with pytest.raises(ServerSelectionTimeoutError):
        await client.shop.items.find_one({})  # runs on Motor's thread pool
    client.close()

    assert any(thread.is_alive() for thread in motor.frameworks.asyncio._EXECUTOR._threads)
