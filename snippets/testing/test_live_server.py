"""Tests that need a real server: an endless stream and a WebSocket."""

import json

import httpx
from websockets.asyncio.client import connect


# region stream
async def test_the_stream_arrives_line_by_line(live_url: str) -> None:
    received = []
    async with (
        httpx.AsyncClient(base_url=live_url, timeout=10) as http,
        http.stream("GET", "/ticks", params={"interval": 0.01}) as response,
    ):
        assert response.headers["content-type"] == "application/x-ndjson"
        async for line in response.aiter_lines():  # the stream never ends: read three lines, hang up
            received.append(json.loads(line))
            if len(received) == 3:
                break
    assert received == [{"tick": 0}, {"tick": 1}, {"tick": 2}]


# endregion stream


# region websocket
async def test_the_websocket_echoes(live_url: str) -> None:
    async with connect(live_url.replace("http", "ws", 1) + "/ws/echo", open_timeout=10) as websocket:
        for text in ["hello", "", "ünïcode"]:
            await websocket.send(text)
            assert await websocket.recv() == text


# endregion websocket
