"""The ObjectId field type (snippets/mongodb/models.py): no server needed."""

import pytest
from bson import ObjectId
from pydantic import TypeAdapter, ValidationError


@pytest.fixture
def models(load_snippet):
    return load_snippet("mongodb/models.py")


def test_object_id_validates_from_a_string_or_an_object_id_and_serialises_as_a_string(models):
    adapter, oid = TypeAdapter(models.PyObjectId), ObjectId()
    assert adapter.validate_python(str(oid)) == oid
    assert adapter.validate_python(oid) == oid
    assert adapter.dump_python(oid, mode="json") == str(oid)
    assert adapter.json_schema()["type"] == "string"


@pytest.mark.parametrize("bad", ["not-an-id", "0" * 23, "g" * 24, 12, b"123456789012", None])
def test_anything_else_is_a_validation_error(models, bad):
    with pytest.raises(ValidationError, match="24-character hex ObjectId"):
        TypeAdapter(models.PyObjectId).validate_python(bad)


def test_item_reads_mongo_underscore_id_and_answers_id(models):
    oid = ObjectId()
    item = models.Item.model_validate({"_id": oid, "sku": "PEN-1", "name": "pen"})
    assert item.model_dump(mode="json") == {"sku": "PEN-1", "name": "pen", "id": str(oid), "tags": []}
