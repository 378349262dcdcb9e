"""Server-Sent Events with FastAPI's own fastapi.sse: typed events, ids, resume from Last-Event-ID."""

import asyncio
import os
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, TypedDict

from fastapi import Depends, FastAPI, Header, Request, status
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import BaseModel, Field

HISTORY_SIZE = int(os.environ.get("HISTORY_SIZE", "1000"))  # events a reconnecting client can catch up on
RETRY_MS = 3000  # how long a browser waits before reconnecting


class Notification(BaseModel):
    title: Annotated[str, Field(min_length=1, max_length=200)]


class Published(BaseModel):
    id: int


# region feed
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
        """Events newer than last_id; waits until there is at least one."""
        async with self.changed:
            await self.changed.wait_for(lambda: self.last_id > last_id)
            return [event for event in self.events if event.id > last_id]


# endregion feed


class State(TypedDict):
    feed: Feed


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    yield {"feed": Feed(HISTORY_SIZE)}


app = FastAPI(lifespan=lifespan)


def get_feed(request: Request) -> Feed:
    return request.state.feed


# region stream
@app.get("/notifications/stream", response_class=EventSourceResponse)
async def stream(
    feed: Annotated[Feed, Depends(get_feed)],
    last_event_id: Annotated[int | None, Header(ge=0)] = None,  # sent by browsers on reconnect
) -> AsyncIterable[ServerSentEvent]:
    position = feed.last_id if last_event_id is None else last_event_id
    feed.listeners += 1
    try:
        yield ServerSentEvent(comment="connected", retry=RETRY_MS)
        while True:
            events = await feed.after(position)
            if events[0].id > position + 1:  # the client missed more than the history holds
                yield ServerSentEvent(event="reset", data={"missed_from": position + 1})
            for event in events:
                yield ServerSentEvent(data=event.notification, event="notification", id=str(event.id))
            position = events[-1].id
    finally:
        feed.listeners -= 1  # runs when the client disconnects: the stream is cancelled


# endregion stream


@app.post("/notifications", status_code=status.HTTP_201_CREATED)
async def publish(notification: Notification, feed: Annotated[Feed, Depends(get_feed)]) -> Published:
    event = await feed.publish(notification)
    return Published(id=event.id)
