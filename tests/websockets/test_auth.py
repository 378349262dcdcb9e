"""auth.py: the token travels in Sec-WebSocket-Protocol; bad or missing tokens are refused before accept."""

import asyncio
import hashlib
import hmac
import logging

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

SECRET = "test-secret"


def token_for(user: str, secret: str = SECRET) -> str:
    return f"{user}." + hmac.new(secret.encode(), user.encode(), hashlib.sha256).hexdigest()


@pytest.fixture
def ws_url(load_snippet, live_server, caplog):
    module = load_snippet("websockets/auth.py", TOKEN_SECRET=SECRET)
    url = live_server(module.app, log_config=None).replace("http", "ws", 1) + "/ws"
    caplog.set_level(logging.INFO, logger="uvicorn.error")  # uvicorn logs each handshake path here
    return url


async def test_valid_token_in_subprotocol_is_accepted_and_answered(ws_url, caplog):
    async with connect(ws_url, subprotocols=["bearer", token_for("alice")], open_timeout=10) as websocket:
        assert websocket.subprotocol == "bearer"
        assert await asyncio.wait_for(websocket.recv(), 10) == "hello alice"
        await websocket.send("hi")
        assert await asyncio.wait_for(websocket.recv(), 10) == "alice: hi"
    handshakes = [r.getMessage() for r in caplog.records if '"WebSocket' in r.getMessage()]
    assert handshakes and all(token_for("alice") not in line for line in handshakes)


@pytest.mark.parametrize(
    "subprotocols",
    [
        None,
        ["bearer"],
        ["bearer", token_for("alice", secret="other")],
        ["bearer", "alice."],
        ["x", token_for("a")],
    ],
    ids=["none", "no-token", "bad-signature", "empty-signature", "wrong-scheme"],
)
async def test_missing_or_bad_token_is_refused_before_accept(ws_url, caplog, subprotocols):
    with pytest.raises(InvalidStatus) as refused:
        async with connect(ws_url, subprotocols=subprotocols, open_timeout=10):
            pass
    # A close before accept becomes an HTTP 403 on the handshake: the endpoint body never ran.
    assert refused.value.response.status_code == 403
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
