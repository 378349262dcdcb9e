"""PyMongo async app (snippets/mongodb/app.py) against the MongoDB wire server."""

import asyncio

import pytest
from bson import ObjectId
from pymongo import AsyncMongoClient
from pymongo.errors import ServerSelectionTimeoutError

SNIPPET = "mongodb/app.py"


@pytest.fixture
async def collection(mongo_url):
    """The collection the app writes to, read through a client of the test's own."""
    client: AsyncMongoClient = AsyncMongoClient(mongo_url, serverSelectionTimeoutMS=5000)
    yield client.shop.items
    await client.close()


@pytest.fixture
def app(load_snippet, mongo_url):
    return load_snippet(SNIPPET, MONGODB_URL=mongo_url).app


async def test_create_read_and_push_a_tag(app, asgi_client, collection):
    async with asgi_client(app) as client:
        created = await client.post("/items", json={"sku": "PEN-1", "name": "pen"})
        item_id = created.json()["id"]
        read = await client.get(f"/items/{item_id}")
        tagged = await client.post(f"/items/{item_id}/tags", json={"tag": "blue"})

    assert created.status_code == 201
    assert read.json() == {"id": item_id, "sku": "PEN-1", "name": "pen", "tags": []}
    assert tagged.json()["tags"] == ["blue"]
    stored = await collection.find_one({"_id": ObjectId(item_id)})
    assert stored == {"_id": ObjectId(item_id), "sku": "PEN-1", "name": "pen", "tags": ["blue"]}


async def test_string_id_never_matches_an_object_id(mongo_url, collection):
    result = await collection.insert_one({"sku": "PEN-1"})

    assert await collection.find_one({"_id": str(result.inserted_id)}) is None
    assert await collection.find_one({"_id": result.inserted_id}) is not None


async def test_concurrent_pushes_are_all_kept(app, asgi_client):
    async with asgi_client(app) as client:
        item_id = (await client.post("/items", json={"sku": "PEN-1", "name": "pen"})).json()["id"]
        tags = [f"tag-{n}" for n in range(20)]
        await asyncio.gather(*(client.post(f"/items/{item_id}/tags", json={"tag": tag}) for tag in tags))
        final = (await client.get(f"/items/{item_id}")).json()

    assert sorted(final["tags"]) == sorted(tags)


@pytest.mark.parametrize("bad_id", ["not-an-id", "123", "g" * 24])
async def test_malformed_id_answers_422_and_writes_nothing(app, asgi_client, collection, bad_id):
    async with asgi_client(app) as client:
        await client.post("/items", json={"sku": "PEN-1", "name": "pen"})
        before = await collection.find().to_list()
        read = await client.get(f"/items/{bad_id}")
        push = await client.post(f"/items/{bad_id}/tags", json={"tag": "blue"})

    assert read.status_code == push.status_code == 422
    assert read.json()["detail"][0]["loc"] == ["path", "item_id"]
    assert await collection.find().to_list() == before


async def test_unknown_id_answers_404_and_writes_nothing(app, asgi_client, collection):
    async with asgi_client(app) as client:
        missing = str(ObjectId())
        read = await client.get(f"/items/{missing}")
        push = await client.post(f"/items/{missing}/tags", json={"tag": "blue"})

    assert read.status_code == push.status_code == 404
    assert await collection.count_documents({}) == 0


async def test_duplicate_sku_answers_409_and_keeps_the_first(app, asgi_client, collection):
    async with asgi_client(app) as client:
        first = await client.post("/items", json={"sku": "PEN-1", "name": "pen"})
        second = await client.post("/items", json={"sku": "PEN-1", "name": "other pen"})

    assert (first.status_code, second.status_code) == (201, 409)
    assert await collection.find({}, {"_id": 0}).to_list() == [{"sku": "PEN-1", "name": "pen", "tags": []}]


@pytest.mark.parametrize(
    "body",
    [{"sku": "pen 1", "name": "pen"}, {"sku": "PEN-1"}, {"sku": "PEN-1", "name": "x" * 10_000}, "not json"],
)
async def test_bad_body_answers_422_and_writes_nothing(app, asgi_client, collection, body):
    async with asgi_client(app) as client:
        kwargs = {"content": body} if isinstance(body, str) else {"json": body}
        response = await client.post("/items", **kwargs)

    assert response.status_code == 422
    assert await collection.count_documents({}) == 0


async def test_mongo_going_away_answers_503(load_snippet, asgi_client, private_mongo):
    url, server = private_mongo
    module = load_snippet(SNIPPET, MONGODB_URL=url, MONGODB_TIMEOUT_MS="300")
    async with asgi_client(module.app) as client:
        item_id = (await client.post("/items", json={"sku": "PEN-1", "name": "pen"})).json()["id"]
        server.close()  # stop the server under the running app
        read = await client.get(f"/items/{item_id}")
        create = await client.post("/items", json={"sku": "PEN-2", "name": "pen"})

    assert (read.status_code, create.status_code) == (503, 503)
    assert read.json() == {"detail": "database unavailable"}


async def test_unreachable_mongo_fails_startup_instead_of_hanging(load_snippet, asgi_client, dead_mongo_url):
    module = load_snippet(SNIPPET, MONGODB_URL=dead_mongo_url, MONGODB_TIMEOUT_MS="200")
    with pytest.raises(ServerSelectionTimeoutError):
        async with asgi_client(module.app):
            pass
