"""WRONG twice: a raw document as the response, and a string where Mongo stored an ObjectId."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypedDict

from fastapi import Depends, FastAPI, HTTPException, Request
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection

MONGODB_URL = os.environ.get("MONGODB_URL", "mongodb://127.0.0.1:27017")


class State(TypedDict):
    items: AsyncCollection


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    async with AsyncMongoClient(MONGODB_URL, serverSelectionTimeoutMS=2000, timeoutMS=4000) as client:
        yield {"items": client.shop.items}


def get_items(request: Request) -> AsyncCollection:
    return request.state.items


Items = Annotated[AsyncCollection, Depends(get_items)]
app = FastAPI(lifespan=lifespan)


# region wrong-raw-document
@app.get("/by-sku/{sku}")
async def read_by_sku(sku: str, items: Items) -> dict[str, Any]:
    document = await items.find_one({"sku": sku})
    if document is None:
        raise HTTPException(404, "item not found")
    return document  # `_id` is an ObjectId: serialising the response fails, a 500


# endregion wrong-raw-document


# region wrong-string-id
@app.get("/items/{item_id}")
async def read_item(item_id: str, items: Items) -> dict[str, str]:
    document = await items.find_one({"_id": item_id})  # a str never equals an ObjectId: always 404
    if document is None:
        raise HTTPException(404, "item not found")
    return {"sku": document["sku"]}


# endregion wrong-string-id
