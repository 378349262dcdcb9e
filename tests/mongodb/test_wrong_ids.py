"""The two id mistakes in snippets/mongodb/wrong_ids.py, shown failing on the wire server."""

import httpx
import pytest
from pymongo import AsyncMongoClient

SNIPPET = "mongodb/wrong_ids.py"


@pytest.fixture
async def item_id(mongo_url):
    client: AsyncMongoClient = AsyncMongoClient(mongo_url, serverSelectionTimeoutMS=5000)
    result = await client.shop.items.insert_one({"sku": "PEN-1"})
    await client.close()
    return str(result.inserted_id)


async def test_raw_document_fails_to_serialise(load_snippet, live_server, asgi_client, mongo_url, item_id):
    module = load_snippet(SNIPPET, MONGODB_URL=mongo_url)
    async with asgi_client(module.app) as client:  # in process, the server's error reaches the test
        with pytest.raises(Exception, match="ObjectId") as error:
            await client.get("/by-sku/PEN-1")
    assert "serializ" in str(error.value).lower()

    url = live_server(module.app)  # what a client sees
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        assert (await client.get("/by-sku/PEN-1")).status_code == 500


async def test_string_id_finds_nothing_that_exists(load_snippet, asgi_client, mongo_url, item_id):
    async with asgi_client(load_snippet(SNIPPET, MONGODB_URL=mongo_url).app) as client:
        response = await client.get(f"/items/{item_id}")

    assert response.status_code == 404  # the document exists: see test_app's string-id test
