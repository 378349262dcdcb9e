"""broadcast.py: rooms, and a stalled or dead peer that neither delays nor breaks anyone else."""

import asyncio
from pathlib import Path

import pytest

OUTBOX_SIZE = 8
BIG = 256 * 1024
# Enough messages to fill the kernel's send buffer towards a stalled peer (at most tcp_wmem's maximum),
# then its outbox, with room to spare.
WMEM_MAX = int(Path("/proc/sys/net/ipv4/tcp_wmem").read_text().split()[2])
COUNT = WMEM_MAX // BIG + OUTBOX_SIZE + 16


def numbered(index: int) -> str:
    return f"{index:03d}:".ljust(BIG, "x")


@pytest.fixture
def server(load_snippet, live_server, lifespan_state):
    module = load_snippet("websockets/broadcast.py", OUTBOX_SIZE=str(OUTBOX_SIZE))
    state = lifespan_state(module.app)
    url = live_server(module.app).replace("http", "ws", 1)
    return state, url


async def test_messages_reach_every_member_of_the_room_and_no_one_else(server, clients, eventually):
    state, url = server
    alice, bob = await clients.open(f"{url}/ws/lobby"), await clients.open(f"{url}/ws/lobby")
    carol = await clients.open(f"{url}/ws/kitchen")
    await alice.send("hi from alice")
    assert await asyncio.wait_for(bob.recv(), 10) == "hi from alice"
    assert await asyncio.wait_for(alice.recv(), 10) == "hi from alice"
    await carol.send("hi from carol")
    # Carol's queue is FIFO: had the lobby message reached her, it would come first.
    assert await asyncio.wait_for(carol.recv(), 10) == "hi from carol"
    assert {room: len(members) for room, members in state["rooms"].members.items()} == {
        "lobby": 2,
        "kitchen": 1,
    }


async def test_stalled_peer_neither_delays_the_others_nor_the_sender(server, clients, eventually):
    state, url = server
    stalled = await clients.open_stalled(f"{url}/ws/lobby")
    alice = clients.read(await clients.open(f"{url}/ws/lobby"))
    sender = clients.read(await clients.open(f"{url}/ws/lobby"))
    for index in range(COUNT):
        await sender.websocket.send(numbered(index))
        # Each message reaches the others while the stalled peer reads nothing at all. (Waiting keeps
        # healthy clients within OUTBOX_SIZE of the sender; one big burst would overflow them too.)
        await alice.wait_for(index + 1)
        await sender.wait_for(index + 1)
    expected = [numbered(index) for index in range(COUNT)]
    assert alice.messages == sender.messages == expected
    # Its backlog passed OUTBOX_SIZE, so it left the room.
    assert len(state["rooms"].members["lobby"]) == 2

    # When it finally reads: an unbroken prefix of the stream, then a close with 1013 (try again later).
    late = clients.read(stalled)
    await asyncio.wait_for(late.task, 30)
    assert 0 < len(late.messages) < COUNT
    assert late.messages == expected[: len(late.messages)]
    assert late.closed.rcvd.code == 1013


async def test_dead_peer_is_removed_and_the_sender_keeps_its_connection(server, clients, eventually):
    state, url = server
    alice = await clients.open(f"{url}/ws/lobby")
    dead = await clients.open(f"{url}/ws/lobby")
    dead.transport.abort()  # gone without a close frame
    await alice.send("still there?")
    assert await asyncio.wait_for(alice.recv(), 10) == "still there?"
    await eventually(lambda: len(state["rooms"].members["lobby"]) == 1)
    await alice.send("yes")
    assert await asyncio.wait_for(alice.recv(), 10) == "yes"


async def test_room_is_forgotten_when_its_last_member_leaves(server, clients, eventually):
    state, url = server
    websocket = await clients.open(f"{url}/ws/lobby")
    assert "lobby" in state["rooms"].members
    await websocket.close()
    await eventually(lambda: state["rooms"].members == {})
