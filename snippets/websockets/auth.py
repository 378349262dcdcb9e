"""Authenticate a WebSocket during the handshake; reject before accept with close code 1008."""

import hashlib
import hmac
import os
from typing import Annotated

from fastapi import Depends, FastAPI, WebSocket, WebSocketDisconnect, WebSocketException, status

TOKEN_SECRET = os.environ.get("TOKEN_SECRET", "change-me").encode()

app = FastAPI()


def user_from_token(token: str) -> str | None:
    """Tokens are `<user>.<hmac>`; use your real token check (JWT, session lookup) here."""
    user, _, signature = token.rpartition(".")
    expected = hmac.new(TOKEN_SECRET, user.encode(), hashlib.sha256).hexdigest()
    return user if user and hmac.compare_digest(signature, expected) else None


# region dependency
async def websocket_user(websocket: WebSocket) -> str:
    # Browsers cannot set headers on a WebSocket, but they can offer subprotocols:
    # new WebSocket(url, ["bearer", token]). The handshake header stays out of access logs;
    # a ?token= query string does not.
    match websocket.scope["subprotocols"]:
        case ["bearer", token] if (user := user_from_token(token)) is not None:
            return user
    # Before accept: the server refuses the handshake (HTTP 403) and nothing else runs.
    raise WebSocketException(code=status.WS_1008_POLICY_VIOLATION, reason="authentication required")


# endregion dependency


# region endpoint
@app.websocket("/ws")
async def chat(websocket: WebSocket, user: Annotated[str, Depends(websocket_user)]) -> None:
    await websocket.accept(subprotocol="bearer")  # a browser drops a connection that ignores its offer
    try:
        await websocket.send_text(f"hello {user}")
        while True:
            await websocket.send_text(f"{user}: {await websocket.receive_text()}")
    except WebSocketDisconnect:
        pass


# endregion endpoint
