"""The benchmark cases of bench.py, and @case, which registers them.

A case is one async function registered with @case: it starts snippets with serve() (or
servers.uvicorn_process when it needs the server's PID), measures them with bench_lib's helpers
(burst, steady_load, sequential, statuses, interleaved) and returns {"setup", "columns", "rows"}.
Its claims state the directions its advice relies on; a run that breaks one exits 1.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import socket
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import bench_lib
import httpx
import servers
from bench_lib import bound, burst, client, interleaved, measured, sequential, statuses, steady_load
from websockets.asyncio.client import ClientConnection, connect

SNIPPETS = Path(__file__).resolve().parent.parent / "snippets"

FULL_REPEATS, QUICK_REPEATS = 5, 1

Result = dict[str, Any]
# ("row.column", "row.column", factor): the first figure must exceed the second times factor.
Claim = tuple[str, str, float]


@dataclass(frozen=True)
class Case:
    name: str
    title: str
    advice: str  # one sentence: what the figures show and what to do
    snippets: tuple[str, ...]  # paths under snippets/ that the case runs
    run: Callable[..., Awaitable[Result]]
    claims: tuple[Claim, ...] = ()  # the directions the advice relies on; every run must keep them
    quick: dict[str, Any] = field(default_factory=dict)  # parameters for --quick, besides repeats


REGISTRY: dict[str, Case] = {}


def case(
    name: str, title: str, advice: str, snippets: tuple[str, ...], claims: tuple[Claim, ...], **quick: Any
) -> Callable[..., Any]:
    """Register a benchmark case; `quick` holds the parameters that --quick overrides."""

    def register(run: Callable[..., Awaitable[Result]]) -> Callable[..., Awaitable[Result]]:
        REGISTRY[name] = Case(name, title, advice, snippets, run, claims, quick)
        return run

    return register


@contextlib.contextmanager
def serve(path: str, quiet: bool = False, **env: str) -> Iterator[str]:
    """Run snippets/<path> under uvicorn in its own process; yield its base URL. `quiet` hides the
    server's error log, for variants whose failures are what the case counts."""
    args = ("--log-level", "critical") if quiet else ()
    with servers.uvicorn_process(SNIPPETS / path, env, args) as app:
        yield app.url


# --- cases ------------------------------------------------------------------------------------------


class Variant(NamedTuple):
    id: str  # names the row in claims
    label: str  # shown in the table
    snippet: str  # path under snippets/
    route: str = ""


def row(variant: Variant, **values: bench_lib.Figure) -> dict[str, Any]:
    snippet = f"{variant.snippet} {variant.route}".strip() if variant.snippet else None
    return {"id": variant.id, "label": variant.label, "snippet": snippet, "values": values}


@case(
    "blocking",
    "Blocking call inside `async def`",
    "One blocking call inside `async def` serialises every request and stalls unrelated ones: await "
    "an async library, or write plain `def`, or hand the call to `anyio.to_thread.run_sync`.",
    ("async_vs_sync/handlers.py", "async_vs_sync/wrong_blocking_in_async.py"),
    claims=tuple(
        (f"wrong.{col}", f"{right}.{col}", 5)
        for right in ("async", "sync", "mixed")
        for col in ("total", "probe")
    ),
)
async def blocking(repeats: int = FULL_REPEATS, requests: int = 20, wait: float = 0.5) -> Result:
    variants = [
        Variant("async", "`async def` + `await asyncio.sleep`", "async_vs_sync/handlers.py", "/async"),
        Variant("sync", "plain `def` + `time.sleep`", "async_vs_sync/handlers.py", "/sync"),
        Variant(
            "mixed",
            "`async def` + `anyio.to_thread.run_sync(time.sleep)`",
            "async_vs_sync/handlers.py",
            "/mixed",
        ),
        Variant(
            "wrong",
            "wrong: `async def` + `time.sleep`",
            "async_vs_sync/wrong_blocking_in_async.py",
            "/report",
        ),
    ]
    with contextlib.ExitStack() as stack:
        apps = {
            v.snippet: stack.enter_context(serve(v.snippet, SLOW_CALL_SECONDS=str(wait))) for v in variants
        }
        for variant in variants:
            await burst(apps[variant.snippet] + variant.route, 1)  # warm up

        async def measure(variant: Variant) -> tuple[float, float]:
            app = apps[variant.snippet]
            return await burst(app + variant.route, requests, probe=app + "/health", delay=wait / 5)

        runs = await interleaved(repeats, variants, measure)
    rows = [row(Variant("ideal", "ideal: every wait overlaps", ""), total=bound(wait, "s"))]
    for variant, samples in zip(variants, runs, strict=True):
        total, probe = zip(*samples, strict=True)
        rows.append(row(variant, total=measured(total, "s"), probe=measured(probe, "s")))
    return {
        "setup": f"{requests} concurrent requests, each waiting {wait} s; `/health` is sent "
        f"{wait / 5:.2f} s after them.",
        "columns": {"total": f"all {requests} answered after", "probe": "`/health` answered after"},
        "rows": rows,
    }


@case(
    "thread_limit",
    "The worker-thread limit",
    "Plain `def` endpoints overlap up to AnyIO's thread limit per process (40 by default), and one "
    "request more waits a whole round: raise the limit in the lifespan or add worker processes.",
    ("async_vs_sync/thread_limit.py",),
    claims=(("over.total", "at.total", 1.3),),
)
async def thread_limit(repeats: int = FULL_REPEATS, limit: int = 40) -> Result:
    wait = 0.5  # call_legacy_sdk in thread_limit.py sleeps this long
    counts = {"at": limit, "over": limit + 1}
    with serve("async_vs_sync/thread_limit.py", THREAD_LIMIT=str(limit)) as app:
        await burst(app + "/legacy", limit)  # warm up: start the worker threads
        runs = await interleaved(repeats, list(counts.values()), lambda count: burst(app + "/legacy", count))
    rows = []
    for (row_id, count), samples in zip(counts.items(), runs, strict=True):
        variant = Variant(row_id, f"{count} concurrent `def` requests", "")
        ideal = bound(math.ceil(count / limit) * wait, "s")
        rows.append(row(variant, total=measured([t for t, _ in samples], "s"), ideal=ideal))
    return {
        "setup": f"A plain `def` endpoint blocking {wait} s; thread limit {limit}.",
        "columns": {"total": "all answered after", "ideal": f"ideal: rounds of {limit} x {wait} s"},
        "rows": rows,
    }


@case(
    "cpu_bound",
    "CPU-bound work: threads against a process pool",
    "Threads take turns on the GIL, so CPU-bound jobs in `def` endpoints finish no sooner together than "
    "one after another: send them to a process pool owned by the lifespan.",
    ("async_vs_sync/cpu_bound.py", "async_vs_sync/wrong_cpu_in_threads.py"),
    claims=(("threads.together", "threads.one", 1.3), ("threads.together", "pool.together", 1.2)),
    limit=100_000,
    repeats=3,  # parallelism on a shared machine is noisy: a median even in a quick run
)
async def cpu_bound(repeats: int = FULL_REPEATS, limit: int = 150_000, jobs: int = 0) -> Result:
    cpus = os.cpu_count() or 1
    jobs = jobs or max(2, cpus)
    variants = [
        Variant("threads", "wrong: plain `def` (worker threads)", "async_vs_sync/wrong_cpu_in_threads.py"),
        Variant("pool", "`async def` + process pool from the lifespan", "async_vs_sync/cpu_bound.py"),
    ]
    with contextlib.ExitStack() as stack:
        urls = [stack.enter_context(serve(v.snippet)) + f"/primes/{limit}" for v in variants]
        for url in urls:
            await burst(url, jobs)  # warm up: start the pool's processes

        async def measure(url: str) -> tuple[float, float]:
            return (await burst(url, 1))[0], (await burst(url, jobs))[0]

        runs = await interleaved(repeats, urls, measure)
    rows = []
    for variant, samples in zip(variants, runs, strict=True):
        one, together = zip(*samples, strict=True)
        rows.append(row(variant, one=measured(one, "s"), together=measured(together, "s")))
    single = rows[-1]["values"]["one"]["value"]
    ideal = Variant("ideal", f"ideal: one job's time x {jobs} jobs / {cpus} CPUs (rounded up)", "")
    rows.append(row(ideal, together=bound(single * math.ceil(jobs / cpus), "s")))
    return {
        "setup": f"`count_primes({limit})` per request; {jobs} requests at once on {cpus} CPUs.",
        "columns": {"one": "one request alone", "together": f"{jobs} at once"},
        "rows": rows,
    }


@case(
    "http_client",
    "HTTP client per request against one shared client",
    "A client per request pays for a new client and a new TCP connection every time: open one "
    "`httpx.AsyncClient` in the lifespan and share it (the shared route here also queries PostgreSQL "
    "and Redis, and is still faster).",
    ("lifetime/wrong_per_request_client.py", "lifetime/lifespan.py"),
    claims=(("shared.rate", "per_request.rate", 2), ("per_request.opened", "shared.opened", 5)),
    requests=200,
)
async def http_client(repeats: int = FULL_REPEATS, requests: int = 500, concurrency: int = 10) -> Result:
    variants = [
        Variant(
            "per_request",
            "wrong: `httpx.AsyncClient` per request",
            "lifetime/wrong_per_request_client.py",
            "/avatars/1",
        ),
        Variant("shared", "one client from the lifespan", "lifetime/lifespan.py", "/users/1"),
    ]
    users = "CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL); INSERT INTO users VALUES (1, 'Ada')"
    async with bench_lib.upstream(b'{"url": "https://img.example/1.png"}') as avatars:
        with servers.postgres() as database, servers.redis() as cache, contextlib.ExitStack() as stack:
            servers.psql(database, users)
            env = {"AVATARS_URL": avatars.url, "DATABASE_URL": database, "REDIS_URL": cache}
            urls = [stack.enter_context(serve(v.snippet, **env)) + v.route for v in variants]
            for url in urls:
                await steady_load(url, concurrency, concurrency)  # warm up: open the connections

            async def measure(url: str) -> tuple[float, int]:
                before = avatars.connections_opened
                rate = requests / await steady_load(url, requests, concurrency)
                return rate, avatars.connections_opened - before

            runs = await interleaved(repeats, urls, measure)
    rows = []
    for variant, samples in zip(variants, runs, strict=True):
        rates, opened = zip(*samples, strict=True)
        rows.append(row(variant, rate=measured(rates, "requests/s"), opened=measured(opened, "")))
    return {
        "setup": f"{requests} requests from {concurrency} concurrent callers, after a warm-up; each "
        "request calls a local upstream over HTTP. The shared client's idle connections expire "
        "(httpx keeps them 5 s) while the other variant runs, so it opens a few again.",
        "columns": {"rate": "throughput", "opened": f"new upstream connections in {requests} requests"},
        "rows": rows,
    }


def in_ms(seconds: list[float] | tuple[float, ...]) -> list[float]:
    return [value * 1000 for value in seconds]


@case(
    "asyncpg_pool",
    "asyncpg pool per request against one shared pool",
    "A pool per request connects to PostgreSQL on every request and runs the server out of connections "
    "under load: create one pool in the lifespan.",
    ("asyncpg/wrong_pool_per_request.py", "asyncpg/app.py"),
    claims=(("per_request.latency", "shared.latency", 3), ("per_request.failed", "shared.failed", 0)),
    requests=20,
)
async def asyncpg_pool(repeats: int = FULL_REPEATS, requests: int = 50, concurrent: int = 30) -> Result:
    variants = [
        Variant(
            "per_request", "wrong: a pool per request", "asyncpg/wrong_pool_per_request.py", "/products/1"
        ),
        Variant("shared", "one pool from the lifespan", "asyncpg/app.py", "/products/1"),
    ]
    with servers.postgres() as database, contextlib.ExitStack() as stack:
        shared = stack.enter_context(serve(variants[1].snippet, DATABASE_URL=database))  # creates the table
        servers.psql(database, "INSERT INTO products (sku, stock) VALUES ('A-1', 10)")
        per_request = stack.enter_context(serve(variants[0].snippet, quiet=True, DATABASE_URL=database))
        urls = [per_request + variants[0].route, shared + variants[1].route]
        for url in urls:
            await sequential(url, 3)  # warm up

        async def measure(url: str) -> tuple[float, int]:
            latency = await sequential(url, requests)
            answers = await statuses(url, concurrent)
            return latency, concurrent - answers[200]

        runs = await interleaved(repeats, urls, measure)
    rows = []
    for variant, samples in zip(variants, runs, strict=True):
        latency, failed = zip(*samples, strict=True)
        rows.append(row(variant, latency=measured(in_ms(latency), "ms"), failed=measured(failed, "")))
    return {
        "setup": f"{requests} requests one after another, then {concurrent} at once; PostgreSQL allows "
        "100 connections, and asyncpg's `create_pool` opens 10 by default.",
        "columns": {"latency": "per request, one caller", "failed": f"failed of {concurrent} at once"},
        "rows": rows,
    }


def redis_calls(redis_url: str, command: str) -> int:
    """How many times Redis ran a command, from INFO commandstats."""
    for line in servers.redis_cli(redis_url, "INFO", "commandstats").splitlines():
        if line.startswith(f"cmdstat_{command}:"):
            return int(line.split("calls=", 1)[1].split(",", 1)[0])
    return 0


@case(
    "cache_stampede",
    "Cache stampede and a cached zero",
    "Without single-flight, concurrent misses all compute, and `if cached:` recomputes a cached 0 on "
    "every request: compare with `is None` (or a miss marker) and let one caller compute per key.",
    ("caching/wrong_cache.py", "caching/cache.py"),
    claims=(("wrong.computed", "right.computed", 2), ("wrong.hit", "right.hit", 5)),
)
async def cache_stampede(repeats: int = FULL_REPEATS, misses: int = 10, hits: int = 5) -> Result:
    route = "/users/{user_id}/unread"
    variants = [
        Variant("wrong", "wrong: `if cached:`, no single-flight", "caching/wrong_cache.py", route),
        Variant("right", "miss marker, single-flight per key", "caching/cache.py", route),
    ]
    keys = iter(range(1, 1_000_000))  # a fresh user id per measurement: a cold key
    with servers.redis() as cache, contextlib.ExitStack() as stack:
        urls = [stack.enter_context(serve(v.snippet, REDIS_URL=cache)) + v.route for v in variants]

        async def measure(url: str) -> tuple[int, float]:
            target = url.format(user_id=next(keys))
            before = redis_calls(cache, "set")
            answers = await statuses(target, misses)
            if answers[200] != misses:
                raise RuntimeError(f"{target}: {dict(answers)}")
            computed = redis_calls(cache, "set") - before  # each computation stores its result once
            return computed, await sequential(target, hits)

        runs = await interleaved(repeats, urls, measure)
    rows = []
    for variant, samples in zip(variants, runs, strict=True):
        computed, hit = zip(*samples, strict=True)
        rows.append(row(variant, computed=measured(computed, ""), hit=measured(in_ms(hit), "ms")))
    return {
        "setup": f"{misses} concurrent requests for one uncached key whose value is 0 (computing it "
        f"takes 0.2 s), then {hits} requests for the same key one after another.",
        "columns": {"computed": f"computations for {misses} concurrent misses", "hit": "a later request"},
        "rows": rows,
    }


async def pages(url: str, count: int) -> tuple[float, int]:
    """Request `count` pages one after another: the mean seconds of those that succeeded, and how
    many failed (an error status, or a connection the server closed)."""
    times = []
    async with client() as http:
        for _ in range(count):
            start = time.perf_counter()
            with contextlib.suppress(httpx.TransportError):
                if (await http.get(url)).is_success:
                    times.append(time.perf_counter() - start)
    if not times:
        raise RuntimeError(f"{url}: all {count} requests failed")
    return sum(times) / len(times), count - len(times)


@case(
    "shared_session",
    "One AsyncSession shared by `gather` against a session per task",
    "A session is one connection: queries gathered on it run one after another at best, and fail with "
    "`InvalidRequestError` when it has to connect first: give each task its own session.",
    ("sqlalchemy/wrong_shared_session.py", "sqlalchemy/parallel_queries.py"),
    claims=(("shared.page", "per_task.page", 2), ("shared.failed", "per_task.failed", 0)),
    requests=5,
)
async def shared_session(
    repeats: int = FULL_REPEATS, requests: int = 10, concurrent: int = 10, slow: float = 0.2
) -> Result:
    variants = [
        Variant("shared", "wrong: one session, `asyncio.gather`", "sqlalchemy/wrong_shared_session.py"),
        Variant("per_task", "a session per task, `TaskGroup`", "sqlalchemy/parallel_queries.py"),
    ]
    # Each count reads a view that sleeps: three slow queries per page. (create_all sees the views
    # as existing tables and leaves them alone.)
    slow_views = "; ".join(
        f"CREATE VIEW {name} AS SELECT 1 AS id FROM pg_sleep({slow})"
        for name in ("customers", "orders", "invoices")
    )
    with servers.postgres() as database:
        servers.psql(database, slow_views)

        async def measure(variant: Variant) -> tuple[float, int, int]:
            # A fresh server each time: its pool holds one connection, left by create_all.
            with serve(variant.snippet, quiet=True, DATABASE_URL=database) as app:
                page, failed_alone = await pages(app + "/dashboard", requests)
                answers = await statuses(app + "/dashboard", concurrent)  # most need a new connection
            return page, failed_alone, concurrent - answers[200]

        runs = await interleaved(repeats, variants, measure)
    rows = [row(Variant("ideal", "ideal: the three queries overlap", ""), page=bound(slow, "s"))]
    for variant, samples in zip(variants, runs, strict=True):
        page, alone, together = zip(*samples, strict=True)
        figures = {
            "page": measured(page, "s"),
            "alone": measured(alone, ""),
            "failed": measured(together, ""),
        }
        rows.append(row(variant, **figures))
    return {
        "setup": f"A page that runs three count queries of {slow} s each (views over `pg_sleep`): "
        f"{requests} pages one after another, then {concurrent} at once, on a freshly started server. "
        "A failure is an HTTP 500 or a dropped connection.",
        "columns": {
            "page": "one page, alone",
            "alone": f"failed of {requests} one after another",
            "failed": f"failed of {concurrent} at once",
        },
        "rows": rows,
    }


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM) in MB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError as error:
        raise servers.Unavailable("peak memory is read from /proc/<pid>/status (Linux only)") from error
    kilobytes = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(kilobytes) / 1024


async def download(url: str) -> int:
    """GET url as a stream, keeping nothing; return the body's size in bytes."""
    size = 0
    async with client() as http, http.stream("GET", url) as response:
        response.raise_for_status()
        async for chunk in response.aiter_bytes():
            size += len(chunk)
    return size


@case(
    "csv_memory",
    "CSV export memory against row count",
    "Streamed from a server-side cursor in bounded batches, an export ten times larger needs no more "
    "memory: stream large responses instead of building them.",
    ("streaming/csv_export.py",),
    claims=(("fewest.peak", "most.peak", 0.67),),  # the largest export peaks below 1.5 x the smallest
    row_counts=(10_000, 100_000),
)
async def csv_memory(
    repeats: int = FULL_REPEATS, row_counts: tuple[int, ...] = (10_000, 100_000, 1_000_000)
) -> Result:
    module = SNIPPETS / "streaming" / "csv_export.py"
    with servers.postgres() as admin:
        databases = {}
        for count in row_counts:
            servers.psql(admin, f"CREATE DATABASE rows_{count}")
            databases[count] = servers.database_url(admin, f"rows_{count}")
            servers.psql(
                databases[count], "CREATE TABLE products (id int PRIMARY KEY, name text, price numeric)"
            )
            servers.psql(
                databases[count],
                "INSERT INTO products SELECT g, 'item-' || lpad(g::text, 10, '0'), g * 0.01 "
                f"FROM generate_series(1, {count}) AS g",
            )

        async def measure(count: int) -> tuple[float, float, float]:
            # A fresh process for every export: VmHWM only ever grows.
            with servers.uvicorn_process(module, {"DATABASE_URL": databases[count]}) as app:
                idle = peak_rss_mb(app.process.pid)
                size = await download(app.url + "/products.csv")
                return idle, peak_rss_mb(app.process.pid), size / 1e6

        runs = await interleaved(repeats, list(row_counts), measure)
    rows = []
    for index, (count, samples) in enumerate(zip(row_counts, runs, strict=True)):
        idle, peak, size = zip(*samples, strict=True)
        row_id = {0: "fewest", len(row_counts) - 1: "most"}.get(index, f"rows_{count}")
        variant = Variant(row_id, f"{count:,} rows", "streaming/csv_export.py /products.csv")
        rows.append(
            row(variant, size=measured(size, "MB"), idle=measured(idle, "MB"), peak=measured(peak, "MB"))
        )
    return {
        "setup": "One export per fresh uvicorn process, batches of 1000 rows; memory is the process's "
        "resident set (`VmHWM` in `/proc/<pid>/status`). No fetch-all snippet exists to compare with.",
        "columns": {
            "size": "CSV body",
            "idle": "peak memory at start",
            "peak": "peak memory after the export",
        },
        "rows": rows,
    }


def kernel_send_buffer_max() -> int:
    """The most a TCP socket buffers for sending, in bytes (tcp_wmem's maximum)."""
    try:
        return int(Path("/proc/sys/net/ipv4/tcp_wmem").read_text(encoding="utf-8").split()[2])
    except OSError:
        return 4 * 2**20  # Linux's usual default


async def stalled_peer(url: str) -> ClientConnection:
    """A WebSocket peer that reads nothing, with a tiny receive buffer: writes to it stall."""
    parts = urlsplit(url)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (parts.hostname, parts.port))
    return await connect(url, sock=sock, max_queue=1, open_timeout=10, compression=None)


async def broadcast_once(url: str, count: int, size: int, window: float) -> tuple[int, float | None]:
    """Connect a stalled peer, then a healthy reader and a sender (which reads too); send `count`
    messages of `size` bytes. Return how many the reader got within `window` seconds, and when it
    had them all (None if it did not)."""
    stalled = await stalled_peer(url)  # first to join, so the wrong snippet sends to it first
    reader = await connect(url, max_size=None, compression=None, open_timeout=10)
    sender = await connect(url, max_size=None, compression=None, open_timeout=10)
    opened = [stalled, reader, sender]
    received: list[float] = []
    all_received = asyncio.Event()

    async def read(into: list[float] | None, websocket: ClientConnection) -> None:
        async for _ in websocket:
            if into is not None:
                into.append(time.perf_counter())
                if len(into) == count:
                    all_received.set()

    tasks = [asyncio.create_task(read(received, reader)), asyncio.create_task(read(None, sender))]
    try:
        start = time.perf_counter()
        async with asyncio.timeout(window):
            for index in range(count):
                await sender.send(f"{index:05d}".ljust(size, "x"))
            await all_received.wait()
    except TimeoutError:
        pass
    finally:
        for websocket in opened:
            websocket.transport.abort()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    done = [moment - start for moment in received if moment - start <= window]
    return len(done), done[-1] if len(done) == count else None


@case(
    "slow_peer",
    "Broadcast with one peer that never reads",
    "Awaiting each send in turn lets one stalled peer hold up every other client once the kernel's "
    "buffers fill: give each connection its own bounded outbox and sender task.",
    ("websockets/wrong_broadcast.py", "websockets/broadcast.py"),
    claims=(("outbox.received", "sequential.received", 1.5),),
    window=3.0,
)
async def slow_peer(repeats: int = FULL_REPEATS, window: float = 5.0, size: int = 256 * 1024) -> Result:
    variants = [
        Variant("sequential", "wrong: `await send` to each in turn", "websockets/wrong_broadcast.py", "/ws"),
        Variant("outbox", "an outbox and a sender task per client", "websockets/broadcast.py", "/ws/lobby"),
    ]
    wmem_max = kernel_send_buffer_max()
    count = min(3 * wmem_max // size, 90)  # past the kernel's buffer; within broadcast.py's outbox (100)

    async def measure(variant: Variant) -> tuple[int, float | None]:
        with serve(variant.snippet) as app:  # a fresh server each time: the wrong one keeps dead peers
            return await broadcast_once(app.replace("http", "ws", 1) + variant.route, count, size, window)

    runs = await interleaved(repeats, variants, measure)
    rows = []
    for variant, samples in zip(variants, runs, strict=True):
        received, times = zip(*samples, strict=True)
        values = {"received": measured(received, "")}
        if None not in times:
            values["time"] = measured(times, "s")
        rows.append(row(variant, **values))
    return {
        "setup": f"Three clients on one broadcast: one reads nothing, one reads, one sends {count} messages "
        f"of {size // 1024} KB (the kernel buffers up to {wmem_max // 2**20} MB towards the stalled "
        f"peer); uncompressed. Counted for {window} s.",
        "columns": {"received": f"messages the reading client got (of {count})", "time": "it had all after"},
        "rows": rows,
    }
