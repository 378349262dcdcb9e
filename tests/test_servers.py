"""The harness itself: each embedded server answers real clients, and the leak checks see leaks."""

import asyncpg
import httpx
import pytest
import servers
from conftest import connections_to
from fastapi import FastAPI
from redis.asyncio import Redis


async def test_postgres_database_is_fresh_and_counts_connections(postgres_server, database_url):
    name = database_url.rsplit("/", 1)[1]
    connection = await asyncpg.connect(database_url, timeout=10)
    try:
        assert await connection.fetchval("SELECT current_database()") == name
        assert await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'") == []
        assert connections_to(postgres_server, name) == 1
    finally:
        await connection.close()


async def test_redis_answers(redis_url):
    client = Redis.from_url(redis_url, socket_timeout=5)
    try:
        await client.set("key", "value")
        assert await client.get("key") == b"value"
    finally:
        await client.aclose()


async def test_mongo_wire_server_answers(mongo_url):
    from pymongo import AsyncMongoClient

    client: AsyncMongoClient = AsyncMongoClient(mongo_url, serverSelectionTimeoutMS=5000)
    try:
        result = await client.shop.items.insert_one({"name": "pen"})
        assert (await client.shop.items.find_one({"_id": result.inserted_id}))["name"] == "pen"
    finally:
        await client.close()


async def test_live_server_serves_app_over_tcp(live_server):
    app = FastAPI()

    @app.get("/")
    async def root() -> dict[str, str]:
        return {"ok": "yes"}

    url = live_server(app)
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        assert (await client.get("/")).json() == {"ok": "yes"}


def test_unavailable_mongo_is_reported_not_crashed(monkeypatch):
    monkeypatch.setattr(servers.sys, "version_info", (3, 11))
    with pytest.raises(servers.Unavailable, match=r"3\.13"), servers.mongo():
        pass
