"""WRONG: broadcast by awaiting each send in turn, from the sender's own handler."""

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

app = FastAPI()
connections: list[WebSocket] = []


# region wrong-broadcast
@app.websocket("/ws")
async def chat(websocket: WebSocket) -> None:
    await websocket.accept()
    connections.append(websocket)
    try:
        while True:
            text = await websocket.receive_text()
            for connection in connections:
                await connection.send_text(text)  # a slow peer stalls everyone; a dead one raises here
    except WebSocketDisconnect:
        connections.remove(websocket)  # ...and it is the *sender* that gets dropped


# endregion wrong-broadcast
