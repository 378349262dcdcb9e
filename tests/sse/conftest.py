"""SSE test helpers: read a live text/event-stream frame by frame."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest


class Frames:
    """The frames (blocks ended by a blank line) of a streaming response, as text without the blank line."""

    def __init__(self, response: httpx.Response, separator: str = "\n") -> None:
        self.response = response
        self.end = separator * 2
        self.buffer = ""
        self.chunks: AsyncIterator[str] = response.aiter_text()

    async def next(self, within: float = 10) -> str:
        async with asyncio.timeout(within):
            while self.end not in self.buffer:
                self.buffer += await anext(self.chunks)
        frame, self.buffer = self.buffer.split(self.end, 1)
        return frame


@pytest.fixture
def frames() -> type[Frames]:
    return Frames
