"""Pydantic models for MongoDB documents: an ObjectId that validates from and serialises to a string."""

from typing import Annotated

from bson import ObjectId
from pydantic import BaseModel, Field, PlainSerializer, PlainValidator, WithJsonSchema


# region object-id
def parse_object_id(value: object) -> ObjectId:
    if isinstance(value, ObjectId | str) and ObjectId.is_valid(value):
        return ObjectId(value)
    raise ValueError("must be a 24-character hex ObjectId")


# Validates a path parameter or field into an ObjectId (bad input: 422), serialises it as a string.
PyObjectId = Annotated[
    ObjectId,
    PlainValidator(parse_object_id),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "pattern": "^[0-9a-fA-F]{24}$"}),
]


class ItemIn(BaseModel):
    sku: str = Field(pattern=r"^[A-Z0-9-]{3,32}$")
    name: str = Field(min_length=1, max_length=200)


class Item(ItemIn):
    id: PyObjectId = Field(validation_alias="_id")  # reads Mongo's `_id`, answers `id`
    tags: list[str] = []


# endregion object-id


class TagIn(BaseModel):
    tag: str = Field(min_length=1, max_length=40)


class TagCount(BaseModel):
    tag: str
    count: int
