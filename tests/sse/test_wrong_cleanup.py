"""wrong_cleanup.py: an unshielded await in the stream's finally is cancelled when the client leaves,
so the watcher count stays up and the subscription (with its connection) is kept until shutdown."""

import asyncio

import httpx
import pytest
import servers
from redis.asyncio import Redis


@pytest.fixture
async def redis(redis_url):
    redis = Redis.from_url(redis_url, decode_responses=True, socket_timeout=5)
    yield redis
    await redis.aclose()


async def test_unshielded_cleanup_is_cancelled_when_the_client_leaves(
    redis_url, redis, load_snippet, live_server, lifespan_state, frames, eventually, monkeypatch
):
    module = load_snippet("sse/wrong_cleanup.py", REDIS_URL=redis_url)
    state = lifespan_state(module.app)
    base_url = live_server(module.app)
    app_redis = state["redis"]
    outcomes = []

    async def watched_decr(*args):  # records how the clean-up's DECR ended
        try:
            result = await type(app_redis).decr(app_redis, *args)
        except BaseException as error:
            outcomes.append(type(error))
            raise
        outcomes.append(result)
        return result

    monkeypatch.setattr(app_redis, "decr", watched_decr)
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=10) as client,
        client.stream("GET", "/topics/orders/events") as response,
    ):
        assert await frames(response).next() == ": subscribed"
    await eventually(lambda: outcomes)
    assert outcomes == [asyncio.CancelledError]
    assert await redis.get("watchers:orders") == "1"
    assert servers.redis_cli(redis_url, "PUBSUB", "NUMSUB", "events:orders").split()[1] == "1"
