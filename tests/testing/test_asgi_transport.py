"""What httpx.ASGITransport does not do: run the lifespan, stream a response."""

import asyncio

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import StreamingResponse


async def test_asgi_transport_alone_never_runs_the_lifespan(load_snippet):
    module = load_snippet("testing/main.py")
    transport = httpx.ASGITransport(app=module.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        with pytest.raises(AttributeError, match="http"):  # request.state.http was never set
            await client.get(
                "/prices", params={"symbols": ["A"]}, headers={"Authorization": "Bearer change-me"}
            )


async def test_asgi_transport_returns_only_after_the_whole_body():
    first_chunk_sent, release = asyncio.Event(), asyncio.Event()
    app = FastAPI()

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def chunks():
            yield "first\n"
            first_chunk_sent.set()  # runs once the first chunk has gone to the transport
            await release.wait()
            yield "second\n"

        return StreamingResponse(chunks())

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        request = asyncio.create_task(client.get("/stream"))
        await first_chunk_sent.wait()
        for _ in range(20):
            await asyncio.sleep(0)
        assert not request.done()  # the client has nothing yet: the app is still running
        release.set()
        assert (await request).text == "first\nsecond\n"
