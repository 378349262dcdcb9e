"""Shared fixtures: real servers (PostgreSQL, Redis, MongoDB wire), snippet loading, app servers.

Servers start once per session on 127.0.0.1 and always stop. Per-test fixtures hand out a fresh
database (or a flushed Redis) and fail the test if it left connections open.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import inspect
import itertools
import os
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import servers
from asgi_lifespan import LifespanManager

ROOT = Path(__file__).resolve().parent.parent
SNIPPETS = ROOT / "snippets"
_database_numbers = itertools.count()


def _open_sockets() -> int:
    fds = Path("/proc/self/fd")
    count = 0
    for fd in fds.iterdir():
        with contextlib.suppress(OSError):
            count += os.readlink(fd).startswith("socket:")
    return count


@pytest.fixture(scope="session", autouse=True)
def no_leaked_threads_or_sockets() -> Iterator[None]:
    """After the whole suite: no thread and no socket left open beyond what was there before."""
    threads, sockets = set(threading.enumerate()), _open_sockets()
    yield
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        extra = [t for t in threading.enumerate() if t not in threads and t.is_alive()]
        if not extra and _open_sockets() <= sockets:
            return
        time.sleep(0.1)
    raise AssertionError(f"leaked threads {extra} or sockets ({_open_sockets()} open, {sockets} before)")


@pytest.fixture(autouse=True)
async def no_leaked_tasks() -> AsyncIterator[None]:
    """After each test and its fixtures: no task left running on the test's event loop."""
    yield
    this = asyncio.current_task()
    deadline = time.monotonic() + 2
    while (left := [t for t in asyncio.all_tasks() if t is not this]) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    for task in left:
        task.cancel()
    assert not left, f"the test left tasks running: {left}"


# --- waiting on state other threads or processes change ---------------------------------------------


async def wait_until(
    condition: Callable[[], object], what: str = "the condition", within: float = 30
) -> None:
    """Poll `condition` (sync, or returning an awaitable) until it is truthy; fail after `within` s."""
    deadline = time.monotonic() + within
    while True:
        result = condition()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened within {within} s: {what}")
        await asyncio.sleep(0.02)


@pytest.fixture
def eventually() -> Callable[..., Any]:
    """`await eventually(lambda: ..., "what")`: an asyncio.Event cannot cross threads or processes."""
    return wait_until


# --- loading snippets -----------------------------------------------------------------------------


@pytest.fixture
def load_snippet(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., ModuleType]]:
    """Import snippets/<path> as a fresh module, with the given environment variables set.

    Its folder goes on sys.path, as when uvicorn runs it, so it can import sibling modules
    (`from models import Item`); those are forgotten after the test.
    """
    loaded: list[str] = []
    before = set(sys.modules)

    def load(path: str, **env: str) -> ModuleType:
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        file = SNIPPETS / path
        monkeypatch.syspath_prepend(str(file.parent))
        name = f"snippet_{file.parent.name}_{file.stem}_{len(loaded)}"
        spec = importlib.util.spec_from_file_location(name, file)
        assert spec and spec.loader, f"cannot load {file}"
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # pydantic and dataclasses resolve annotations through it
        loaded.append(name)
        spec.loader.exec_module(module)
        return module

    yield load
    for name, module in list(sys.modules.items()):
        if name not in before and SNIPPETS in Path(getattr(module, "__file__", None) or "/").parents:
            del sys.modules[name]


# --- running apps -----------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def _asgi_client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(transport=httpx.ASGITransport(manager.app), base_url="http://test") as client,
    ):
        yield client


@pytest.fixture
def asgi_client() -> Callable[[Any], contextlib.AbstractAsyncContextManager[httpx.AsyncClient]]:
    """`async with asgi_client(app) as client:` an in-process client with the app's lifespan run."""
    return _asgi_client


@pytest.fixture
def app_servers() -> Iterator[contextlib.ExitStack]:
    """Servers a test starts; the leak checks of database_url and redis_url stop them first."""
    with contextlib.ExitStack() as stack:
        yield stack


@pytest.fixture
def live_server(app_servers: contextlib.ExitStack) -> Callable[..., str]:
    """Serve an app object under a real uvicorn server in a thread; returns its base URL."""
    return lambda app, **config: app_servers.enter_context(servers.uvicorn_thread(app, **config))


@pytest.fixture
def app_process(app_servers: contextlib.ExitStack) -> Callable[..., servers.AppProcess]:
    """Run snippets/<path>:app under uvicorn in its own process (for signals, processes, workers)."""

    def start(path: str, env: dict[str, str] | None = None, args: tuple[str, ...] = ()) -> Any:
        return app_servers.enter_context(servers.uvicorn_process(SNIPPETS / path, env, args))

    return start


@pytest.fixture
def lifespan_state() -> Callable[[Any], dict[str, Any]]:
    """`state = lifespan_state(app)` before the app starts; `state` fills with what its lifespan yields."""

    def capture(app: Any) -> dict[str, Any]:
        state: dict[str, Any] = {}
        original = app.router.lifespan_context

        @contextlib.asynccontextmanager
        async def recording(app: Any) -> AsyncIterator[Any]:
            async with original(app) as yielded:
                state.update(yielded)
                yield yielded

        app.router.lifespan_context = recording
        return state

    return capture


# --- PostgreSQL -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """Admin URL of the session's PostgreSQL server."""
    with servers.postgres() as url:
        yield url


def connections_to(server_url: str, database: str) -> int:
    sql = f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{database}' AND pid <> pg_backend_pid()"
    return int(servers.psql(server_url, sql).stdout)


@pytest.fixture
def database_url(postgres_server: str, app_servers: contextlib.ExitStack) -> Iterator[str]:
    """URL of a fresh, empty database; the test fails if it leaves a connection open."""
    name = f"test_{os.getpid()}_{next(_database_numbers)}"
    servers.psql(postgres_server, f"CREATE DATABASE {name}")
    yield servers.database_url(postgres_server, name)
    app_servers.close()  # servers the test started let go of their connections first
    deadline = time.monotonic() + 5
    while (open_connections := connections_to(postgres_server, name)) and time.monotonic() < deadline:
        time.sleep(0.05)
    servers.psql(postgres_server, f"DROP DATABASE {name} WITH (FORCE)")
    assert open_connections == 0, f"the test left {open_connections} connection(s) open to {name}"


# --- Redis ------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_server() -> Iterator[str]:
    with servers.redis() as url:
        yield url


@pytest.fixture
def redis_url(redis_server: str, app_servers: contextlib.ExitStack) -> Iterator[str]:
    """URL of the session's Redis, flushed after the test; the test fails if it leaves a client."""
    yield redis_server
    app_servers.close()  # servers the test started let go of their connections first
    deadline = time.monotonic() + 5
    while True:
        clients = servers.redis_cli(redis_server, "CLIENT", "LIST").strip().splitlines()
        others = [line for line in clients if "cmd=client" not in line]
        if not others or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    servers.redis_cli(redis_server, "FLUSHALL")
    assert not others, f"the test left {len(others)} Redis connection(s) open: {others}"


# --- MongoDB ----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def mongo_server() -> Iterator[str]:
    try:
        server = servers.mongo()
        url = server.__enter__()
    except servers.Unavailable as reason:
        pytest.skip(str(reason))
    try:
        yield url
    finally:
        server.__exit__(None, None, None)


@pytest.fixture
def mongo_url(mongo_server: str) -> Iterator[str]:
    """URL of the session's MongoDB wire server; every database is dropped after the test."""
    from pymongo import MongoClient

    yield mongo_server
    with MongoClient(mongo_server, serverSelectionTimeoutMS=5000) as client:
        for name in client.list_database_names():
            if name not in {"admin", "config", "local"}:
                client.drop_database(name)
