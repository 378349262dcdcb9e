"""The same MongoDB service on Motor, for code that has not migrated yet (Motor is deprecated)."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, TypedDict

from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.responses import JSONResponse
from models import Item, ItemIn, PyObjectId, TagCount, TagIn  # snippets/mongodb/models.py
from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorCollection
from pymongo import ReturnDocument
from pymongo.errors import ConnectionFailure, DuplicateKeyError

MONGODB_URL = os.environ.get("MONGODB_URL", "mongodb://127.0.0.1:27017")
MONGODB_TIMEOUT_MS = int(os.environ.get("MONGODB_TIMEOUT_MS", "2000"))


# region lifespan
class State(TypedDict):
    items: AsyncIOMotorCollection


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    client: AsyncIOMotorClient = AsyncIOMotorClient(
        MONGODB_URL,
        serverSelectionTimeoutMS=MONGODB_TIMEOUT_MS,
        connectTimeoutMS=MONGODB_TIMEOUT_MS,
        timeoutMS=2 * MONGODB_TIMEOUT_MS,
    )
    try:
        items = client.get_database("shop").get_collection("items")
        await items.create_index("sku", unique=True)
        yield {"items": items}
    finally:
        client.close()  # Motor: a plain method, not awaited


def get_items(request: Request) -> AsyncIOMotorCollection:
    return request.state.items


Items = Annotated[AsyncIOMotorCollection, Depends(get_items)]
# endregion lifespan


async def mongo_unavailable(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": "database unavailable"}, status_code=status.HTTP_503_SERVICE_UNAVAILABLE)


app = FastAPI(lifespan=lifespan, exception_handlers={ConnectionFailure: mongo_unavailable})


@app.post("/items", status_code=status.HTTP_201_CREATED)
async def create_item(item: ItemIn, items: Items) -> Item:
    document = {**item.model_dump(), "tags": []}
    try:
        result = await items.insert_one(document)
    except DuplicateKeyError:
        raise HTTPException(status.HTTP_409_CONFLICT, f"sku {item.sku} already exists") from None
    return Item.model_validate({**document, "_id": result.inserted_id})


@app.get("/items/{item_id}")
async def read_item(item_id: PyObjectId, items: Items) -> Item:
    document = await items.find_one({"_id": item_id})
    if document is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "item not found")
    return Item.model_validate(document)


@app.post("/items/{item_id}/tags")
async def add_tag(item_id: PyObjectId, body: TagIn, items: Items) -> Item:
    document = await items.find_one_and_update(
        {"_id": item_id}, {"$push": {"tags": body.tag}}, return_document=ReturnDocument.AFTER
    )
    if document is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "item not found")
    return Item.model_validate(document)


# region aggregate
@app.get("/tags")
async def count_tags(items: Items) -> list[TagCount]:
    pipeline = [
        {"$unwind": "$tags"},
        {"$group": {"_id": "$tags", "count": {"$sum": 1}}},
        {"$sort": {"_id": 1}},
    ]
    cursor = items.aggregate(pipeline)  # Motor: aggregate() returns the cursor, no await
    return [TagCount(tag=row["_id"], count=row["count"]) async for row in cursor]


# endregion aggregate
