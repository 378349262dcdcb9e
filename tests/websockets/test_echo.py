"""echo.py under a real uvicorn server: replies, then clean and abrupt disconnects end the loop quietly."""

import asyncio
import logging

import pytest
from websockets.asyncio.client import connect


@pytest.fixture
def echo_url(load_snippet, live_server, caplog):
    caplog.set_level(logging.INFO)
    module = load_snippet("websockets/echo.py")
    # log_config=None: uvicorn's loggers propagate to the root logger, where caplog listens.
    return live_server(module.app, log_config=None).replace("http", "ws", 1) + "/ws/echo"


def logged(caplog, text):
    return lambda: any(text in record.getMessage() for record in caplog.records)


def errors(caplog):
    return [record for record in caplog.records if record.levelno >= logging.ERROR]


async def test_echo_replies_to_each_message_in_order(echo_url):
    async with connect(echo_url, open_timeout=10) as websocket:
        for text in ["one", "two", "three"]:
            await websocket.send(text)
        replies = [await asyncio.wait_for(websocket.recv(), 10) for _ in range(3)]
    assert replies == ["echo: one", "echo: two", "echo: three"]


async def test_clean_close_ends_the_loop_with_code_1000(echo_url, caplog, eventually):
    async with connect(echo_url, open_timeout=10) as websocket:
        await websocket.send("hi")
        assert await asyncio.wait_for(websocket.recv(), 10) == "echo: hi"
    await eventually(logged(caplog, "client left with code 1000"))
    assert errors(caplog) == []


async def test_vanished_client_ends_the_loop_with_code_1005_and_no_traceback(echo_url, caplog, eventually):
    websocket = await connect(echo_url, open_timeout=10)
    await websocket.send("hi")
    assert await asyncio.wait_for(websocket.recv(), 10) == "echo: hi"
    websocket.transport.abort()  # drop the TCP connection without a close frame
    await eventually(logged(caplog, "client left with code 1005"))  # uvicorn's websockets-sansio
    assert errors(caplog) == []
