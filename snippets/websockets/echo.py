"""Echo over a WebSocket; a client that leaves, cleanly or not, ends the loop without an error."""

import logging

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

logger = logging.getLogger(__name__)
app = FastAPI()


# region echo
@app.websocket("/ws/echo")
async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    try:
        while True:
            text = await websocket.receive_text()
            await websocket.send_text(f"echo: {text}")
    except WebSocketDisconnect as disconnect:
        # The normal way out: 1000/1001 after a close frame; a dropped TCP connection gives 1005
        # under uvicorn's default protocol (1006 under others). Either way the client is gone.
        logger.info("client left with code %s", disconnect.code)


# endregion echo
