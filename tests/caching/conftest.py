"""Fixtures for the caching tests: a computation the test counts and releases."""

import asyncio
from collections.abc import Callable
from typing import Any

import pytest


class GatedComputation:
    """Counts its calls and blocks each one until the test calls release()."""

    def __init__(self, result: Any = 7) -> None:
        self.result = result
        self.calls = 0
        self._released = asyncio.Event()

    async def __call__(self, *args: Any) -> Any:
        self.calls += 1
        await self._released.wait()
        if isinstance(self.result, Exception):
            raise self.result
        return self.result

    def release(self) -> None:
        self._released.set()


@pytest.fixture
def gated() -> type[GatedComputation]:
    return GatedComputation


@pytest.fixture
def count_reads(monkeypatch: pytest.MonkeyPatch) -> Callable[[type], list[str]]:
    """Count finished cache reads of a cache class; once N have returned, those N callers have joined."""

    def install(cache_class: type) -> list[str]:
        reads: list[str] = []
        original = cache_class.get

        async def counting_get(self: Any, key: str) -> Any:
            value = await original(self, key)
            reads.append(key)
            return value

        monkeypatch.setattr(cache_class, "get", counting_get)
        return reads

    return install


@pytest.fixture
def two_workers(load_snippet: Any, redis_url: str, monkeypatch: pytest.MonkeyPatch, count_reads: Any) -> Any:
    """Two app instances on one Redis (two worker processes), each counting reads and started flights."""

    def start(path: str, class_name: str, compute: Any) -> Any:
        workers = [load_snippet(path, REDIS_URL=redis_url) for _ in range(2)]
        classes = [getattr(worker, class_name) for worker in workers]
        reads, entered = [count_reads(cls) for cls in classes], []
        for worker, cls in zip(workers, classes, strict=True):
            monkeypatch.setattr(worker, "count_unread", compute)
            original = cls._run_flight

            async def entering(self: Any, key: str, compute: Any, original: Any = original) -> Any:
                entered.append(key)  # a flight started (and, without the lock, computes right away)
                return await original(self, key, compute)

            monkeypatch.setattr(cls, "_run_flight", entering)
        return workers, reads, entered

    return start
