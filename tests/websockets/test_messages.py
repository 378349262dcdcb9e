"""messages.py: valid messages are answered; every kind of bad frame gets an error frame, and the
same connection keeps working afterwards."""

import asyncio
import json

import pytest
from websockets.asyncio.client import connect


@pytest.fixture
def ws_url(load_snippet, live_server):
    module = load_snippet("websockets/messages.py")
    return live_server(module.app).replace("http", "ws", 1) + "/ws"


async def exchange(websocket, frame):
    await websocket.send(frame)
    return json.loads(await asyncio.wait_for(websocket.recv(), 10))


async def test_valid_messages_are_parsed_and_answered(ws_url):
    async with connect(ws_url, open_timeout=10) as websocket:
        assert await exchange(websocket, '{"type": "join", "room": "lobby"}') == {
            "type": "joined",
            "room": "lobby",
        }
        assert await exchange(websocket, '{"type": "say", "text": "hi"}') == {
            "type": "said",
            "room": "lobby",
            "text": "hi",
        }
        # Binary frames carrying JSON are accepted too.
        assert (await exchange(websocket, b'{"type": "say", "text": "bin"}'))["text"] == "bin"


@pytest.mark.parametrize(
    ("frame", "error_type", "location"),
    [
        ("not json", "json_invalid", []),
        (b"\xff\xfe", "json_invalid", []),
        ('{"type": "dance"}', "union_tag_invalid", []),
        ('{"text": "no type"}', "union_tag_not_found", []),
        ('{"type": "say", "text": ""}', "string_too_short", ["say", "text"]),
        ('{"type": "join", "room": "a b"}', "string_pattern_mismatch", ["join", "room"]),
        ('{"type": "say"}', "missing", ["say", "text"]),
        ("[1, 2]", "dict_type", []),
    ],
)
async def test_bad_frame_gets_error_frame_and_connection_stays_open(ws_url, frame, error_type, location):
    async with connect(ws_url, open_timeout=10) as websocket:
        reply = await exchange(websocket, frame)
        assert reply["type"] == "error"
        first = reply["errors"][0]
        assert (first["type"], first["loc"]) == (error_type, location)
        assert "input" not in first  # the client's payload is not echoed back
        # Same connection, next message: still served.
        assert await exchange(websocket, '{"type": "say", "text": "still here"}') == {
            "type": "said",
            "text": "still here",
        }
