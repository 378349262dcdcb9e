"""wrong_messages.py: one frame that is not JSON kills the connection and logs a traceback."""

import asyncio

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosedError


@pytest.fixture
def ws_url(load_snippet, live_server):
    module = load_snippet("websockets/wrong_messages.py")
    return live_server(module.app, log_config=None).replace("http", "ws", 1) + "/ws"


async def test_receive_json_on_a_bad_frame_ends_the_connection(ws_url, caplog):
    async with connect(ws_url, open_timeout=10) as websocket:
        await websocket.send('{"text": "fine"}')
        assert await asyncio.wait_for(websocket.recv(), 10) == '{"type":"said","text":"fine"}'
        await websocket.send("hello")
        with pytest.raises(ConnectionClosedError) as closed:
            await asyncio.wait_for(websocket.recv(), 10)
    # uvicorn drops the TCP connection without even a close frame (the client reports 1006).
    assert closed.value.rcvd is None
    crashes = [r.exc_info[1] for r in caplog.records if r.exc_info]
    assert [type(error).__name__ for error in crashes] == ["JSONDecodeError"]
