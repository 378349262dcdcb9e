"""sse_starlette_feed.py: sse-starlette's frames (CRLF, its field order), pings, resume, disconnect."""

import re

import httpx
import pytest


@pytest.fixture
def server(load_snippet, live_server, lifespan_state):
    module = load_snippet("sse/sse_starlette_feed.py", PING_SECONDS="0.2")
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


def without_pings(frames):
    async def next_event():
        while (frame := await frames.next()).startswith(": ping - "):
            pass
        return frame

    return next_event


async def test_frames_use_crlf_and_put_id_before_event_and_data(client, frames):
    async with client.stream("GET", "/notifications/stream") as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-accel-buffering"] == "no"
        next_event = without_pings(frames(response, separator="\r\n"))
        assert await next_event() == ": connected\r\nretry: 3000"
        await publish(client, "deploy finished")
        assert await next_event() == 'id: 1\r\nevent: notification\r\ndata: {"title":"deploy finished"}'


async def test_pings_arrive_on_a_timer(client, frames):
    async with client.stream("GET", "/notifications/stream") as response:
        stream = frames(response, separator="\r\n")
        await stream.next()
        pings = [await stream.next() for _ in range(2)]
    # A comment with a timestamp, every PING_SECONDS (15 by default).
    assert all(re.fullmatch(r": ping - \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+\+00:00", ping) for ping in pings)


async def test_reconnect_with_last_event_id_replays_what_was_missed(client, frames):
    for title in ["one", "two"]:
        await publish(client, title)
    async with client.stream("GET", "/notifications/stream", headers={"Last-Event-ID": "1"}) as response:
        next_event = without_pings(frames(response, separator="\r\n"))
        await next_event()
        assert await next_event() == 'id: 2\r\nevent: notification\r\ndata: {"title":"two"}'


async def test_malformed_last_event_id_is_rejected_before_streaming(client):
    response = await client.get("/notifications/stream", headers={"Last-Event-ID": "x"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["header", "last-event-id"]


async def test_client_disconnect_runs_the_generator_finally(server, client, frames, eventually):
    feed = server[2]["feed"]
    async with client.stream("GET", "/notifications/stream") as response:
        await frames(response, separator="\r\n").next()
        assert feed.listeners == 1
    await eventually(lambda: feed.listeners == 0)


def test_openapi_sees_only_an_untyped_json_response(load_snippet):
    module = load_snippet("sse/sse_starlette_feed.py")
    content = module.app.openapi()["paths"]["/notifications/stream"]["get"]["responses"]["200"]["content"]
    assert content == {"application/json": {"schema": {}}}
