"""wrong_auth.py: close-then-HTTPException crashes in the server, and ?token= lands in the log."""

import asyncio
import logging

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus


@pytest.fixture
def ws_url(load_snippet, live_server, caplog):
    module = load_snippet("websockets/wrong_auth.py")
    url = live_server(module.app, log_config=None).replace("http", "ws", 1) + "/ws"
    caplog.set_level(logging.INFO, logger="uvicorn.error")
    return url


async def test_closing_then_raising_http_exception_crashes_with_runtime_error(ws_url, caplog, eventually):
    with pytest.raises(InvalidStatus):
        async with connect(ws_url + "?token=wrong", open_timeout=10):
            pass
    await eventually(lambda: [r for r in caplog.records if r.levelno >= logging.ERROR])
    (crash,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert crash.getMessage().strip() == "Exception in ASGI application"
    assert isinstance(crash.exc_info[1], RuntimeError)
    assert "after sending 'websocket.close'" in str(crash.exc_info[1])


async def test_token_in_query_string_is_written_to_the_server_log(ws_url, caplog):
    async with connect(ws_url + "?token=secret-token-of-alice", open_timeout=10) as websocket:
        assert await asyncio.wait_for(websocket.recv(), 10) == "hello alice"
    assert any("secret-token-of-alice" in record.getMessage() for record in caplog.records)
