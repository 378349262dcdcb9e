"""wrong_broadcast.py: sequential sends let one stalled peer hold up everyone, and when that peer
dies, the exception lands in the sender's handler, which drops the sender."""

import asyncio
from pathlib import Path

import pytest

BIG = 256 * 1024
WMEM_MAX = int(Path("/proc/sys/net/ipv4/tcp_wmem").read_text().split()[2])
COUNT = WMEM_MAX // BIG + 16  # more than the kernel can buffer towards a peer that reads nothing


@pytest.fixture
def ws_url(load_snippet, live_server):
    module = load_snippet("websockets/wrong_broadcast.py")
    return live_server(module.app).replace("http", "ws", 1) + "/ws"


async def test_stalled_peer_holds_up_everyone_then_its_death_drops_the_sender(ws_url, clients):
    stalled = await clients.open_stalled(ws_url)  # first in the list, so every send waits on it
    alice = clients.read(await clients.open(ws_url))
    sender = clients.read(await clients.open(ws_url))

    async def send_all():
        for index in range(COUNT):
            await sender.websocket.send(f"{index:03d}:".ljust(BIG, "x"))

    sending = asyncio.create_task(send_all())

    # Alice reads eagerly, yet she cannot get them all: the loop is stuck on the stalled peer.
    await alice.wait_for(1)
    await asyncio.sleep(0.5)
    assert len(alice.messages) < COUNT

    # The stalled peer's connection dies: the pending send raises inside the *sender's* handler.
    stalled.transport.abort()
    await asyncio.wait_for(sender.task, 10)
    assert sender.closed is not None  # the sender did nothing wrong, yet its connection was closed
    assert len(alice.messages) < COUNT  # and Alice never gets the rest
    sending.cancel()
