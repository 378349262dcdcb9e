"""Helpers for bench.py: load against a live server, a counting upstream, the machine record, and
the rendering of references/performance.md from the JSON record."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime
import importlib.metadata
import os
import platform
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from build_skill import slug

HOST = "127.0.0.1"
REQUEST_TIMEOUT = 120.0  # a safety net: a stuck server fails the run instead of hanging it
VERSIONED = ("fastapi", "starlette", "uvicorn", "anyio", "httpx", "pydantic")  # the stack
VERSIONED += ("asyncpg", "sqlalchemy", "redis", "websockets", "uvloop")  # drivers, clients, loop

Figure = dict[str, Any]
T = TypeVar("T")
R = TypeVar("R")


# --- figures ----------------------------------------------------------------------------------------


def measured(samples: Iterable[float], unit: str) -> Figure:
    """The median of repeated measurements, with the unit and the number of repeats."""
    values = [round(value, 4) for value in samples]
    return {
        "value": round(statistics.median(values), 4),
        "unit": unit,
        "repeats": len(values),
        "samples": values,
    }


def bound(value: float, unit: str) -> Figure:
    """A figure that is computed, not measured (the ideal bound): zero repeats."""
    return {"value": round(value, 4), "unit": unit, "repeats": 0}


# --- load -------------------------------------------------------------------------------------------


def client() -> httpx.AsyncClient:
    """A client without a connection limit: every concurrent request gets its own connection."""
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    return httpx.AsyncClient(timeout=REQUEST_TIMEOUT, limits=limits)


async def get_ok(http: httpx.AsyncClient, url: str) -> float:
    """GET url, fail on an error status; return the latency in seconds."""
    start = time.perf_counter()
    response = await http.get(url)
    response.raise_for_status()
    return time.perf_counter() - start


async def _all_done(tasks: list[asyncio.Task[float]]) -> float:
    await asyncio.gather(*tasks)
    return time.perf_counter()


async def _delayed(http: httpx.AsyncClient, url: str, delay: float) -> float:
    await asyncio.sleep(delay)
    return await get_ok(http, url)


async def burst(url: str, count: int, probe: str | None = None, delay: float = 0.0) -> tuple[float, float]:
    """Send `count` concurrent GETs to url and, `delay` seconds in, one GET to `probe`.

    Return the time until every burst request was answered and the probe's latency (0 without one).
    """
    async with client() as http, asyncio.TaskGroup() as group:
        start = time.perf_counter()
        requests = [group.create_task(get_ok(http, url)) for _ in range(count)]
        finished = group.create_task(_all_done(requests))
        probed = group.create_task(_delayed(http, probe, delay)) if probe else None
    return finished.result() - start, probed.result() if probed else 0.0


async def steady_load(url: str, total: int, concurrency: int) -> float:
    """Send `total` GETs from `concurrency` callers sharing one client; return the elapsed seconds."""

    async def caller(count: int) -> None:
        for _ in range(count):
            await get_ok(http, url)

    shares = [total // concurrency + (i < total % concurrency) for i in range(concurrency)]
    async with client() as http:
        start = time.perf_counter()
        await asyncio.gather(*(caller(share) for share in shares))
        return time.perf_counter() - start


async def statuses(url: str, count: int) -> collections.Counter[int]:
    """Send `count` concurrent GETs; count the answers by status code (a dropped request counts as 0)."""
    async with client() as http:
        answers = await asyncio.gather(*(http.get(url) for _ in range(count)), return_exceptions=True)
    return collections.Counter(getattr(answer, "status_code", 0) for answer in answers)


async def sequential(url: str, count: int) -> float:
    """Mean seconds per request for `count` requests one after another."""
    async with client() as http:
        start = time.perf_counter()
        for _ in range(count):
            (await http.get(url)).raise_for_status()
        return (time.perf_counter() - start) / count


async def interleaved(
    repeats: int, targets: Sequence[T], measure: Callable[[T], Awaitable[R]]
) -> list[list[R]]:
    """Measure every target `repeats` times, round-robin so that noise on the machine hits all alike."""
    samples: list[list[R]] = [[] for _ in targets]
    for _ in range(repeats):
        for target, found in zip(targets, samples, strict=True):
            found.append(await measure(target))
    return samples


# --- a counting upstream ------------------------------------------------------------------------------


@dataclass
class Upstream:
    url: str = ""
    connections_opened: int = 0
    _open: dict[asyncio.Task[None], asyncio.StreamWriter] = field(default_factory=dict)


@contextlib.asynccontextmanager
async def upstream(body: bytes) -> AsyncIterator[Upstream]:
    """An HTTP/1.1 keep-alive server in this event loop that answers every request with `body`
    (JSON) and counts the TCP connections it accepts."""
    state = Upstream()
    head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n" % len(body)

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        state.connections_opened += 1
        task = asyncio.current_task()
        assert task is not None
        state._open[task] = writer
        try:
            while await reader.readuntil(b"\r\n\r\n"):  # GET requests carry no body
                writer.write(head + body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client closed the connection
        finally:
            state._open.pop(task, None)
            writer.close()

    server = await asyncio.start_server(serve, HOST, 0)
    state.url = f"http://{HOST}:{server.sockets[0].getsockname()[1]}"
    try:
        yield state
    finally:
        server.close()
        for writer in state._open.values():
            writer.close()
        await asyncio.gather(*state._open, return_exceptions=True)
        await server.wait_closed()


# --- the machine ----------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            names = [line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")]
        cpu = names[0] if names else cpu
    return {
        "cpu_count": os.cpu_count(),
        "cpu": cpu,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
    }


def record(results: dict[str, Any], quick: bool, seconds: float) -> dict[str, Any]:
    """The JSON record of a run: where and when it ran, and each case's result."""
    now = datetime.datetime.now(datetime.UTC)
    return {
        "generator": "scripts/bench.py",
        "quick": quick,
        "date": now.strftime("%Y-%m-%d %H:%M UTC"),
        "seconds": round(seconds),  # how long the whole run took
        "machine": machine(),
        "versions": versions(),
        "cases": results,
    }


def versions() -> dict[str, str]:
    found = {}
    for name in VERSIONED:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            found[name] = importlib.metadata.version(name)
    return found


# --- rendering --------------------------------------------------------------------------------------------


def cell(figure: Figure | None) -> str:
    if figure is None:
        return "-"
    value, unit = figure["value"], figure["unit"]
    if unit == "s" and value < 0.1:
        value, unit = value * 1000, "ms"
    text = {
        "s": f"{value:.2f} s",
        "ms": f"{value:.0f} ms",
        "requests/s": f"{value:,.0f} requests/s",
        "MB": f"{value:.1f} MB",
    }.get(unit, f"{value:,.0f} {unit}".rstrip())
    return text if figure["repeats"] else f"{text} (bound)"


def render_case(title: str, advice: str, result: Mapping[str, Any]) -> list[str]:
    lines = [f"## {title}", ""]
    if result["status"] != "measured":
        return [*lines, f"Not measured in this run: {result['reason']}.", ""]
    columns: dict[str, str] = result["columns"]
    lines += [
        result["setup"],
        "",
        "| Pattern | " + " | ".join(columns.values()) + " |",
        "|---" * (len(columns) + 1) + "|",
    ]
    for row in result["rows"]:
        label = row["label"] + (f" (`{row['snippet']}`)" if row.get("snippet") else "")
        lines.append(f"| {label} | " + " | ".join(cell(row["values"].get(key)) for key in columns) + " |")
    repeats = max(f["repeats"] for row in result["rows"] for f in row["values"].values())
    runs = "One run each." if repeats == 1 else f"Medians of {repeats} runs."
    return [*lines, "", f"{runs} {advice}", ""]


def render(record: Mapping[str, Any], texts: Mapping[str, tuple[str, str]]) -> str:
    """The performance page for a JSON record; `texts` maps a case name to its (title, advice)."""
    host, libraries = record["machine"], record["versions"]
    kind = "a quick run (`--quick`: fewer repeats, smaller loads)" if record["quick"] else "a full run"
    where = f"{host['cpu_count']} CPUs, {host['implementation']} {host['python']}"
    titles = {name: texts[name][0] if name in texts else name for name in record["cases"]}
    lines = [
        "# Performance: measured",
        "",
        "## Contents",
        *(f"- [{title}](#{slug(title)})" for title in titles.values()),
        "- [How these figures were made](#how-these-figures-were-made)",
        "",
        "Each section runs the pattern the skill recommends against the mistake it warns about, under a",
        "real uvicorn server on loopback. Lower times and more requests per second are better.",
        f"Generated by `scripts/bench.py` from {kind} on {record['date']} ({where}): do not edit by hand.",
        "",
    ]
    for name, result in record["cases"].items():
        title, advice = texts.get(name, (name, ""))
        lines += render_case(title, advice, result)
    lines += [
        "## How these figures were made",
        "",
        f"This page shows {kind} of `scripts/bench.py` on {record['date']}: {host['cpu_count']} CPUs "
        f"({host['cpu']}), {host['platform']}, {host['implementation']} {host['python']}; "
        + ", ".join(f"{name} {version}" for name, version in libraries.items())
        + ".",
        "Every app ran in its own uvicorn process with one worker; the load came from httpx (and the",
        "websockets client) in the benchmark's process; PostgreSQL and Redis are the embedded servers",
        "of `scripts/servers.py`.",
        f"This run took {record['seconds']} s. `python scripts/bench.py` reruns everything and writes",
        "`references/performance.json`, from which this page is generated (`--render` only renders).",
        "",
    ]
    return "\n".join(lines)
