"""Measure each recommended pattern against its anti-pattern under a real uvicorn on loopback.

Every case runs the repository's own snippet modules (snippets/...) in their own uvicorn process,
sends load from this process, and records each figure with its unit and number of repeats. The
results go to references/performance.json, and references/performance.md is rendered from it.

Usage:
    bench.py                 full run: medians over several repeats; writes the JSON and the page
    bench.py --quick         fewer repeats and smaller loads (under 5 minutes on 2 cores)
    bench.py --render        only render the page from the committed JSON
    bench.py --only NAME...  run some cases and print their JSON (writes nothing)

A case is one registered async function returning {"setup", "columns", "rows"}; it is skipped
with a reason when a snippet it needs is missing or a server cannot run here.
Exit codes: 0 done, 1 a case failed, 2 bad usage.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import math
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bench_lib
import servers
from bench_lib import bound, burst, interleaved, measured, steady_load

ROOT = Path(__file__).resolve().parent.parent
SNIPPETS = ROOT / "snippets"
RESULTS = ROOT / "references" / "performance.json"
PAGE = ROOT / "references" / "performance.md"
FULL_REPEATS, QUICK_REPEATS = 5, 1

Result = dict[str, Any]


@dataclass(frozen=True)
class Case:
    name: str
    title: str
    advice: str  # one sentence: what the figures show and what to do
    snippets: tuple[str, ...]  # paths under snippets/ that the case runs
    run: Callable[..., Awaitable[Result]]
    quick: dict[str, Any] = field(default_factory=dict)  # parameters for --quick, besides repeats


REGISTRY: dict[str, Case] = {}


def case(name: str, title: str, advice: str, snippets: tuple[str, ...], **quick: Any) -> Callable[..., Any]:
    """Register a benchmark case; `quick` holds the parameters that --quick overrides."""

    def register(run: Callable[..., Awaitable[Result]]) -> Callable[..., Awaitable[Result]]:
        REGISTRY[name] = Case(name, title, advice, snippets, run, quick)
        return run

    return register


def run_case(name: str, **params: Any) -> Result:
    """Run one case with the given parameters; a missing snippet or server skips it with a reason."""
    entry = REGISTRY[name]
    missing = [path for path in entry.snippets if not (SNIPPETS / path).is_file()]
    if missing:
        return {"status": "skipped", "reason": f"`snippets/{missing[0]}` is not in this checkout"}
    try:
        return {"status": "measured", **asyncio.run(entry.run(**params))}
    except servers.Unavailable as reason:
        return {"status": "skipped", "reason": str(reason)}


@contextlib.contextmanager
def serve(path: str, **env: str) -> Any:
    """Run snippets/<path> under uvicorn in its own process; yield its base URL."""
    with servers.uvicorn_process(SNIPPETS / path, env) as app:
        yield app.url


# --- cases ------------------------------------------------------------------------------------------


@case(
    "blocking",
    "Blocking call inside `async def`",
    "One blocking call inside `async def` serialises every request and stalls unrelated ones: await "
    "an async library, or write plain `def`, or hand the call to `anyio.to_thread.run_sync`.",
    ("async_vs_sync/handlers.py", "async_vs_sync/wrong_blocking_in_async.py"),
)
async def blocking(repeats: int = FULL_REPEATS, requests: int = 20, wait: float = 0.5) -> Result:
    variants = [
        ("`async def` + `await asyncio.sleep`", "async_vs_sync/handlers.py", "/async"),
        ("plain `def` + `time.sleep`", "async_vs_sync/handlers.py", "/sync"),
        ("`async def` + `anyio.to_thread.run_sync(time.sleep)`", "async_vs_sync/handlers.py", "/mixed"),
        ("wrong: `async def` + `time.sleep`", "async_vs_sync/wrong_blocking_in_async.py", "/report"),
    ]
    with contextlib.ExitStack() as stack:
        apps = {
            path: stack.enter_context(serve(path, SLOW_CALL_SECONDS=str(wait))) for _, path, _ in variants
        }
        for _, path, route in variants:
            await burst(apps[path] + route, 1)  # warm up

        async def measure(variant: tuple[str, str, str]) -> tuple[float, float]:
            _, path, route = variant
            return await burst(apps[path] + route, requests, probe=apps[path] + "/health", delay=wait / 5)

        runs = await interleaved(repeats, variants, measure)
    rows = [{"label": "ideal: every wait overlaps", "values": {"total": bound(wait, "s")}}]
    for (label, path, route), samples in zip(variants, runs, strict=True):
        total, probe = zip(*samples, strict=True)
        values = {"total": measured(total, "s"), "probe": measured(probe, "s")}
        rows.append({"label": label, "snippet": f"{path} {route}", "values": values})
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
)
async def thread_limit(repeats: int = FULL_REPEATS, limit: int = 40) -> Result:
    wait = 0.5  # call_legacy_sdk in thread_limit.py sleeps this long
    counts = [limit, limit + 1]
    with serve("async_vs_sync/thread_limit.py", THREAD_LIMIT=str(limit)) as app:
        await burst(app + "/legacy", limit)  # warm up: start the worker threads
        runs = await interleaved(repeats, counts, lambda count: burst(app + "/legacy", count))
    rows = []
    for count, samples in zip(counts, runs, strict=True):
        values = {
            "total": measured([t for t, _ in samples], "s"),
            "ideal": bound(math.ceil(count / limit) * wait, "s"),
        }
        rows.append({"label": f"{count} concurrent `def` requests", "values": values})
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
    limit=100_000,
)
async def cpu_bound(repeats: int = FULL_REPEATS, limit: int = 150_000, jobs: int = 0) -> Result:
    cpus = os.cpu_count() or 1
    jobs = jobs or max(2, cpus)
    variants = [
        ("wrong: plain `def` (worker threads)", "async_vs_sync/wrong_cpu_in_threads.py"),
        ("`async def` + process pool from the lifespan", "async_vs_sync/cpu_bound.py"),
    ]
    with contextlib.ExitStack() as stack:
        urls = [stack.enter_context(serve(path)) + f"/primes/{limit}" for _, path in variants]
        for url in urls:
            await burst(url, jobs)  # warm up: start the pool's processes

        async def measure(url: str) -> tuple[float, float]:
            return (await burst(url, 1))[0], (await burst(url, jobs))[0]

        runs = await interleaved(repeats, urls, measure)
    rows = []
    for (label, path), samples in zip(variants, runs, strict=True):
        one, together = zip(*samples, strict=True)
        values = {"one": measured(one, "s"), "together": measured(together, "s")}
        rows.append({"label": label, "snippet": path, "values": values})
    single = rows[-1]["values"]["one"]["value"]
    ideal = {"together": bound(single * math.ceil(jobs / cpus), "s")}
    rows.append({"label": f"ideal: one job's time x {jobs} jobs / {cpus} CPUs (rounded up)", "values": ideal})
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
    requests=200,
)
async def http_client(repeats: int = FULL_REPEATS, requests: int = 500, concurrency: int = 10) -> Result:
    variants = [
        ("wrong: `httpx.AsyncClient` per request", "lifetime/wrong_per_request_client.py", "/avatars/1"),
        ("one client from the lifespan", "lifetime/lifespan.py", "/users/1"),
    ]
    users = "CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL); INSERT INTO users VALUES (1, 'Ada')"
    async with bench_lib.upstream(b'{"url": "https://img.example/1.png"}') as avatars:
        with servers.postgres() as database, servers.redis() as cache, contextlib.ExitStack() as stack:
            servers.psql(database, users)
            env = {"AVATARS_URL": avatars.url, "DATABASE_URL": database, "REDIS_URL": cache}
            urls = [stack.enter_context(serve(path, **env)) + route for _, path, route in variants]
            for url in urls:
                await steady_load(url, concurrency, concurrency)  # warm up: open the connections

            async def measure(url: str) -> tuple[float, int]:
                before = avatars.connections_opened
                rate = requests / await steady_load(url, requests, concurrency)
                return rate, avatars.connections_opened - before

            runs = await interleaved(repeats, urls, measure)
    rows = []
    for (label, path, route), samples in zip(variants, runs, strict=True):
        rates, opened = zip(*samples, strict=True)
        values = {"rate": measured(rates, "requests/s"), "opened": measured(opened, "")}
        rows.append({"label": label, "snippet": f"{path} {route}", "values": values})
    return {
        "setup": f"{requests} requests from {concurrency} concurrent callers, after a warm-up; each "
        "request calls a local upstream over HTTP.",
        "columns": {"rate": "throughput", "opened": f"new upstream connections in {requests} requests"},
        "rows": rows,
    }


# --- running and rendering ----------------------------------------------------------------------------


def texts() -> dict[str, tuple[str, str]]:
    return {name: (entry.title, entry.advice) for name, entry in REGISTRY.items()}


def run_all(names: list[str], quick: bool) -> dict[str, Result]:
    results = {}
    for name in names:
        entry = REGISTRY[name]
        params = {"repeats": QUICK_REPEATS, **entry.quick} if quick else {}
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        try:
            results[name] = run_case(name, **params)
        except Exception as error:  # record it, finish the other cases, exit 1
            results[name] = {"status": "failed", "reason": f"{type(error).__name__}: {error}"}
        print(f"bench: {name} {results[name]['status']}", file=sys.stderr, flush=True)
    return results


def record(results: dict[str, Result], quick: bool) -> dict[str, Any]:
    now = datetime.datetime.now(datetime.UTC)
    return {
        "generator": "scripts/bench.py",
        "quick": quick,
        "date": now.strftime("%Y-%m-%d %H:%M UTC"),
        "machine": bench_lib.machine(),
        "versions": bench_lib.versions(),
        "cases": results,
    }


def render_page(results_path: Path = RESULTS) -> str:
    return bench_lib.render(json.loads(results_path.read_text(encoding="utf-8")), texts())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="fewer repeats, smaller loads")
    mode.add_argument("--render", action="store_true", help="only render the page from the JSON")
    parser.add_argument("--only", nargs="+", metavar="NAME", help=f"cases to run: {', '.join(REGISTRY)}")
    args = parser.parse_args(argv)
    if args.render:
        PAGE.write_text(render_page(), encoding="utf-8", newline="\n")
        return 0
    unknown = set(args.only or ()) - set(REGISTRY)
    if unknown:
        parser.error(f"unknown case(s): {', '.join(sorted(unknown))}")
    results = run_all(args.only or list(REGISTRY), args.quick)
    if args.only:
        json.dump(results, sys.stdout, indent=2)
        print()
    else:
        RESULTS.write_text(json.dumps(record(results, args.quick), indent=2) + "\n", encoding="utf-8")
        PAGE.write_text(render_page(), encoding="utf-8", newline="\n")
        print(f"wrote {RESULTS.relative_to(ROOT)} and {PAGE.relative_to(ROOT)}", file=sys.stderr)
    return 1 if any(result["status"] == "failed" for result in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
