"""redis_broadcast.py: two app processes on one real Redis; a message sent to one reaches the other's
clients, rooms stay apart, and a dropped pub/sub connection is re-established."""

import asyncio

import pytest
import servers
from redis.exceptions import ConnectionError as RedisConnectionError
from websockets.exceptions import ConnectionClosedError


@pytest.fixture
def two_instances(redis_url, app_process):
    first = app_process("websockets/redis_broadcast.py", env={"REDIS_URL": redis_url})
    second = app_process("websockets/redis_broadcast.py", env={"REDIS_URL": redis_url})
    return [instance.url.replace("http", "ws", 1) for instance in (first, second)]


def pattern_subscribers(redis_url):
    """Connections subscribed to a pattern (PUBSUB NUMPAT counts distinct patterns, not subscribers)."""
    return servers.redis_cli(redis_url, "CLIENT", "LIST").count(" psub=1 ")


async def recv(websocket):
    return await asyncio.wait_for(websocket.recv(), 10)


async def test_message_sent_to_one_process_reaches_clients_of_the_other(two_instances, clients, redis_url):
    first, second = two_instances
    assert pattern_subscribers(redis_url) == 2  # each process subscribed before it started serving
    alice = await clients.open(f"{first}/ws/lobby")
    bob = await clients.open(f"{second}/ws/lobby")
    carol = await clients.open(f"{second}/ws/kitchen")

    await alice.send("hello from process one")
    assert await recv(bob) == "hello from process one"
    assert await recv(alice) == "hello from process one"  # through Redis, like everyone else's

    await bob.send("hello back from process two")
    assert await recv(alice) == "hello back from process two"
    assert await recv(bob) == "hello back from process two"

    await carol.send("kitchen only")
    assert await recv(carol) == "kitchen only"  # nothing from the lobby was queued before it


async def test_relay_resubscribes_after_losing_its_redis_connection(
    two_instances, clients, redis_url, eventually
):
    first, second = two_instances
    alice = await clients.open(f"{first}/ws/lobby")
    bob = await clients.open(f"{second}/ws/lobby")
    servers.redis_cli(redis_url, "CLIENT", "KILL", "TYPE", "pubsub")
    await eventually(lambda: pattern_subscribers(redis_url) == 2)
    await alice.send("after the cut")
    assert await recv(bob) == "after the cut"


async def test_publish_failure_closes_the_socket_with_1011(
    redis_url, load_snippet, live_server, lifespan_state, clients, caplog, eventually, monkeypatch
):
    module = load_snippet("websockets/redis_broadcast.py", REDIS_URL=redis_url)
    state = lifespan_state(module.app)
    url = live_server(module.app, log_config=None).replace("http", "ws", 1)

    async def redis_down(*args, **kwargs):
        raise RedisConnectionError("Redis is down")

    websocket = await clients.open(f"{url}/ws/lobby")
    monkeypatch.setattr(state["redis"], "publish", redis_down)
    await websocket.send("anyone?")
    with pytest.raises(ConnectionClosedError) as closed:
        await recv(websocket)
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (1011, "broadcast unavailable")
    assert [record.getMessage() for record in caplog.records if record.exc_info] == [
        "cannot publish to Redis"
    ]
    await eventually(lambda: state["rooms"].members == {})
