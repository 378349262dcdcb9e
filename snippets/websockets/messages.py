"""JSON messages validated with pydantic; a bad frame gets an error frame and the connection stays open."""

from typing import Annotated, Any, Literal

from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

app = FastAPI()


# region models
class Join(BaseModel):
    type: Literal["join"]
    room: Annotated[str, Field(min_length=1, max_length=50, pattern=r"^[\w-]+$")]


class Say(BaseModel):
    type: Literal["say"]
    text: Annotated[str, Field(min_length=1, max_length=2000)]


ClientMessage = TypeAdapter(Annotated[Join | Say, Field(discriminator="type")])


class Reply(BaseModel):
    type: Literal["joined", "said", "error"]
    room: str | None = None
    text: str | None = None
    errors: list[dict[str, Any]] | None = None


# endregion models


# region endpoint
@app.websocket("/ws")
async def chat(websocket: WebSocket) -> None:
    await websocket.accept()
    room: str | None = None
    while (frame := await websocket.receive())["type"] != "websocket.disconnect":
        # Not receive_json(): a frame that is not JSON must not end the connection.
        try:
            message = ClientMessage.validate_json(frame.get("text") or frame.get("bytes") or b"")
        except ValidationError as error:
            details = error.errors(include_url=False, include_context=False, include_input=False)
            reply = Reply(type="error", errors=details)
        else:
            match message:
                case Join():
                    room = message.room
                    reply = Reply(type="joined", room=room)
                case Say():
                    reply = Reply(type="said", room=room, text=message.text)
        try:
            await websocket.send_text(reply.model_dump_json(exclude_none=True))
        except WebSocketDisconnect:
            return


# endregion endpoint
