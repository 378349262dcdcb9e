"""WRONG: receive_json() raises on a frame that is not JSON, and the connection dies with it."""

from typing import Any

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

app = FastAPI()


# region wrong-receive-json
@app.websocket("/ws")
async def chat(websocket: WebSocket) -> None:
    await websocket.accept()
    try:
        while True:
            message: dict[str, Any] = await websocket.receive_json()  # JSONDecodeError on "hello"
            await websocket.send_json({"type": "said", "text": message["text"]})  # KeyError, too
    except WebSocketDisconnect:
        pass


# endregion wrong-receive-json
