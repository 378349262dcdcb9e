"""The same notification stream with the sse-starlette package, for code that already uses it."""

import asyncio
import os
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, TypedDict

from fastapi import Depends, FastAPI, Header, Request, status
from pydantic import BaseModel, Field
from sse_starlette import EventSourceResponse, JSONServerSentEvent, ServerSentEvent

HISTORY_SIZE = int(os.environ.get("HISTORY_SIZE", "1000"))
PING_SECONDS = float(os.environ.get("PING_SECONDS", "15"))  # sse-starlette's default is 15
RETRY_MS = 3000


class Notification(BaseModel):
    title: Annotated[str, Field(min_length=1, max_length=200)]


class Published(BaseModel):
    id: int


@dataclass(frozen=True)
class Event:
    id: int
    notification: Notification


class Feed:
    """Numbered recent events and a way to wait for newer ones (in one process)."""

    def __init__(self, size: int) -> None:
        self.events: deque[Event] = deque(maxlen=size)
        self.last_id = 0
        self.changed = asyncio.Condition()
        self.listeners = 0

    async def publish(self, notification: Notification) -> Event:
        async with self.changed:
            self.last_id += 1
            self.events.append(event := Event(self.last_id, notification))
            self.changed.notify_all()
        return event

    async def after(self, last_id: int) -> list[Event]:
        async with self.changed:
            await self.changed.wait_for(lambda: self.last_id > last_id)
            return [event for event in self.events if event.id > last_id]


class State(TypedDict):
    feed: Feed


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    yield {"feed": Feed(HISTORY_SIZE)}


app = FastAPI(lifespan=lifespan)


def get_feed(request: Request) -> Feed:
    return request.state.feed


# region stream
@app.get("/notifications/stream")
async def stream(
    feed: Annotated[Feed, Depends(get_feed)],
    last_event_id: Annotated[int | None, Header(ge=0)] = None,
) -> EventSourceResponse:
    async def events() -> AsyncIterator[ServerSentEvent]:
        position = feed.last_id if last_event_id is None else last_event_id
        feed.listeners += 1
        try:
            yield ServerSentEvent(comment="connected", retry=RETRY_MS)
            while True:
                for event in await feed.after(position):
                    data = event.notification.model_dump(mode="json")
                    yield JSONServerSentEvent(data, event="notification", id=str(event.id))
                    position = event.id
        finally:
            feed.listeners -= 1

    # The generator runs inside the response: validation errors above still answer 422 first.
    return EventSourceResponse(events(), ping=PING_SECONDS)


# endregion stream


@app.post("/notifications", status_code=status.HTTP_201_CREATED)
async def publish(notification: Notification, feed: Annotated[Feed, Depends(get_feed)]) -> Published:
    event = await feed.publish(notification)
    return Published(id=event.id)
