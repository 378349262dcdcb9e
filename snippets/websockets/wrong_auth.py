"""WRONG: a token in the query string, and a dependency that closes the socket then raises HTTPException."""

from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, WebSocket, WebSocketDisconnect, status

TOKENS = {"secret-token-of-alice": "alice"}

app = FastAPI()


# region wrong-dependency
async def websocket_user(websocket: WebSocket, token: str | None = None) -> str:  # ?token=... is logged
    if token not in TOKENS:
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION)
        raise HTTPException(status_code=401)  # RuntimeError: the socket is already closed
    return TOKENS[token]


# endregion wrong-dependency


@app.websocket("/ws")
async def chat(websocket: WebSocket, user: Annotated[str, Depends(websocket_user)]) -> None:
    await websocket.accept()
    try:
        await websocket.send_text(f"hello {user}")
        while True:
            await websocket.send_text(f"{user}: {await websocket.receive_text()}")
    except WebSocketDisconnect:
        pass
