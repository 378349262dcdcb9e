"""redis_events.py: events published on Redis reach the stream; leaving releases the subscription."""

import httpx
import pytest
import servers
from redis.asyncio import Redis


@pytest.fixture
async def publisher(redis_url):
    redis = Redis.from_url(redis_url, decode_responses=True, socket_timeout=5)
    yield redis
    await redis.aclose()


@pytest.fixture
def base_url(redis_url, load_snippet, live_server):  # redis_url first: its leak check runs after shutdown
    module = load_snippet("sse/redis_events.py", REDIS_URL=redis_url)
    return live_server(module.app)


def subscribers(redis_url, channel):
    return int(servers.redis_cli(redis_url, "PUBSUB", "NUMSUB", channel).split()[1])


def pubsub_connections(redis_url):
    return [
        line for line in servers.redis_cli(redis_url, "CLIENT", "LIST").splitlines() if "subscribe" in line
    ]


async def test_published_messages_arrive_as_events_and_leaving_releases_redis(
    base_url, publisher, redis_url, frames, eventually
):
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=10) as client,
        client.stream("GET", "/topics/orders/events") as response,
    ):
        assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
        stream = frames(response)
        assert await stream.next() == ": subscribed"
        assert subscribers(redis_url, "events:orders") == 1
        assert await publisher.get("watchers:orders") == "1"
        assert await publisher.publish("events:orders", '{"order": 7, "status": "paid"}') == 1
        assert await stream.next() == 'event: orders\ndata: {"order": 7, "status": "paid"}'
        await publisher.publish("events:other", "not for this stream")
        await publisher.publish("events:orders", "line one\nline two")
        assert await stream.next() == "event: orders\ndata: line one\ndata: line two"
    await eventually(lambda: subscribers(redis_url, "events:orders") == 0)
    await eventually(lambda: pubsub_connections(redis_url) == [])  # its connection closed, not parked
    assert await publisher.get("watchers:orders") == "0"
