"""A debouncer: run an action once a key has been quiet for a while, and give every caller its result."""

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
R = TypeVar("R")


# region debouncer
@dataclass
class _Pending(Generic[V, R]):
    value: V
    result: asyncio.Future[R]
    timer: asyncio.TimerHandle | None = None


class Debouncer(Generic[K, V, R]):
    """Runs action(key, latest value) once a key has been quiet for `delay` seconds."""

    def __init__(self, action: Callable[[K, V], Awaitable[R]], delay: float) -> None:
        self._action, self._delay = action, delay
        self._pending: dict[K, _Pending[V, R]] = {}
        self._running: set[asyncio.Task[None]] = set()

    async def submit(self, key: K, value: V) -> R:
        loop = asyncio.get_running_loop()
        if (pending := self._pending.get(key)) is None:
            pending = self._pending[key] = _Pending(value, loop.create_future())
        else:
            pending.value = value
        if pending.timer is not None:
            pending.timer.cancel()  # restart the quiet period: a timer, not a task anyone awaits
        pending.timer = loop.call_later(self._delay, self._start, key)
        return await asyncio.shield(pending.result)  # a caller that leaves must not cancel the others

    def _start(self, key: K) -> None:
        task = asyncio.create_task(self._run(key, self._pending.pop(key)))
        self._running.add(task)  # keep a reference until it finishes
        task.add_done_callback(self._running.discard)

    async def _run(self, key: K, pending: _Pending[V, R]) -> None:
        try:
            pending.result.set_result(await self._action(key, pending.value))
        except Exception as error:  # every caller of this round gets the error
            pending.result.set_exception(error)

    async def flush(self) -> None:  # at shutdown: run every pending action now, wait for all runs
        for key, pending in list(self._pending.items()):
            if pending.timer is not None:
                pending.timer.cancel()
            self._start(key)
        await asyncio.gather(*self._running)


# endregion debouncer
