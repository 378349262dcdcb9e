"""A blocking call that the test controls, to prove what runs concurrently without timing it."""

import asyncio
import threading

import pytest


def _on_event_loop_thread() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class Gate:
    """Stands in for slow I/O: counts callers in flight and holds each one until `release` is set."""

    def __init__(self) -> None:
        self.allow_on_event_loop = False  # only the test of the wrong way sets this
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self.entered = threading.Event()
        self.release = threading.Event()

    def _enter(self) -> None:
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        self.entered.set()

    def _leave(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def blocking(self) -> str:
        if not self.allow_on_event_loop and _on_event_loop_thread():
            raise AssertionError("a blocking call ran on the event loop thread")  # fail fast, not hang
        self._enter()
        try:
            if not self.release.wait(30):
                raise TimeoutError("gate never released")
            return "ready"
        finally:
            self._leave()

    async def awaitable(self) -> str:
        self._enter()
        try:
            async with asyncio.timeout(30):
                while not self.release.is_set():
                    await asyncio.sleep(0.01)
            return "ready"
        finally:
            self._leave()

    async def wait_for_in_flight(self, count: int) -> None:
        async with asyncio.timeout(30):
            while self.in_flight < count:
                await asyncio.sleep(0.01)


@pytest.fixture
def gate():
    gate = Gate()
    yield gate
    gate.release.set()
