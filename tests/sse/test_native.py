"""native.py (fastapi.sse) under a real uvicorn server: exact frames, resume, keep-alive, disconnect."""

import fastapi.routing
import httpx
import pytest


@pytest.fixture
def server(load_snippet, live_server, lifespan_state):
    module = load_snippet("sse/native.py", HISTORY_SIZE="3")
    state = lifespan_state(module.app)
    return module, live_server(module.app), state


@pytest.fixture
async def client(server):
    async with httpx.AsyncClient(base_url=server[1], timeout=10) as client:
        yield client


async def publish(client, title):
    response = await client.post("/notifications", json={"title": title})
    assert response.status_code == 201
    return response.json()["id"]


async def test_stream_sends_retry_then_each_event_with_id_and_type(client, frames):
    async with client.stream("GET", "/notifications/stream") as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["x-accel-buffering"] == "no"  # nginx: do not buffer
        stream = frames(response)
        assert await stream.next() == ": connected\nretry: 3000"
        assert await publish(client, "deploy finished") == 1
        assert await stream.next() == 'event: notification\ndata: {"title":"deploy finished"}\nid: 1'
        assert await publish(client, "multi\nline") == 2
        # JSON keeps a newline inside one data: line, escaped.
        assert await stream.next() == 'event: notification\ndata: {"title":"multi\\nline"}\nid: 2'


async def test_reconnect_with_last_event_id_replays_only_what_was_missed(client, frames):
    for title in ["one", "two", "three"]:
        await publish(client, title)
    async with client.stream("GET", "/notifications/stream", headers={"Last-Event-ID": "1"}) as response:
        stream = frames(response)
        assert await stream.next() == ": connected\nretry: 3000"
        assert await stream.next() == 'event: notification\ndata: {"title":"two"}\nid: 2'
        assert await stream.next() == 'event: notification\ndata: {"title":"three"}\nid: 3'
        await publish(client, "four")
        assert await stream.next() == 'event: notification\ndata: {"title":"four"}\nid: 4'


async def test_last_event_id_older_than_the_history_gets_a_reset_event_first(client, frames):
    for title in ["a", "b", "c", "d", "e"]:  # HISTORY_SIZE=3 keeps c, d, e
        await publish(client, title)
    async with client.stream("GET", "/notifications/stream", headers={"Last-Event-ID": "1"}) as response:
        stream = frames(response)
        await stream.next()
        # A plain dict goes through json.dumps (with spaces); a pydantic model through model_dump_json.
        assert await stream.next() == 'event: reset\ndata: {"missed_from": 2}'
        assert [await stream.next() for _ in range(3)] == [
            f'event: notification\ndata: {{"title":"{title}"}}\nid: {number}'
            for number, title in [(3, "c"), (4, "d"), (5, "e")]
        ]


@pytest.mark.parametrize("header", ["abc", "-1"])
async def test_malformed_last_event_id_is_rejected_before_streaming(client, header):
    response = await client.get("/notifications/stream", headers={"Last-Event-ID": header})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["header", "last-event-id"]


async def test_idle_stream_gets_ping_comments(server, client, frames, monkeypatch):
    # fastapi.sse pings after 15 s without an event; the interval is private, patched here to 0.2 s.
    monkeypatch.setattr(fastapi.routing, "_PING_INTERVAL", 0.2)
    async with client.stream("GET", "/notifications/stream") as response:
        stream = frames(response)
        await stream.next()
        assert [await stream.next() for _ in range(2)] == [": ping", ": ping"]
        await publish(client, "after pings")
        assert await stream.next() == 'event: notification\ndata: {"title":"after pings"}\nid: 1'


async def test_client_disconnect_runs_the_generator_finally(server, client, frames, eventually):
    feed = server[2]["feed"]
    async with client.stream("GET", "/notifications/stream") as response:
        await frames(response).next()
        assert feed.listeners == 1
    # The client closed the connection; the server cancels the generator and its finally runs.
    await eventually(lambda: feed.listeners == 0)
    await publish(client, "nobody listening")  # and publishing still works


def test_openapi_documents_the_stream_as_text_event_stream(load_snippet):
    module = load_snippet("sse/native.py")
    content = module.app.openapi()["paths"]["/notifications/stream"]["get"]["responses"]["200"]["content"]
    assert list(content) == ["text/event-stream"]
    assert set(content["text/event-stream"]["itemSchema"]["properties"]) == {"data", "event", "id", "retry"}


async def test_without_response_class_the_same_generator_is_served_as_json_lines(asgi_client):
    from collections.abc import AsyncIterable

    from fastapi import FastAPI
    from fastapi.sse import ServerSentEvent

    app = FastAPI()

    @app.get("/events")
    async def events() -> AsyncIterable[ServerSentEvent]:
        yield ServerSentEvent(data="hello", id="1")

    async with asgi_client(app) as client:
        response = await client.get("/events")
    assert response.headers["content-type"].startswith("application/jsonl")
    assert not response.text.startswith(("data:", "id:"))
