"""Measure each recommended pattern against its anti-pattern under a real uvicorn on loopback.

Every case runs the repository's own snippet modules (snippets/...) in their own uvicorn process,
sends load from this process, and records each figure with its unit and number of repeats. The
results go to references/performance.json, and references/performance.md is rendered from it.

Usage:
    bench.py                 full run: medians over several repeats; writes the JSON and the page
    bench.py --quick         fewer repeats and smaller loads (under 5 minutes on 2 cores)
    bench.py --render        only render the page from the committed JSON
    bench.py --only NAME...  run some cases and print their JSON (writes nothing)

A case is one async function registered with @case: it starts snippets with serve(), measures
them with bench_lib's helpers (burst, steady_load, interleaved) and returns {"setup", "columns",
"rows"}. Its claims state the directions its advice relies on; a run that breaks one exits 1. A
case whose snippet is missing (or whose server cannot run here) is skipped with the reason.
Exit codes: 0 done, 1 a case failed or broke a claim, 2 bad usage.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import bench_lib
import servers
from bench_lib import bound, burst, interleaved, measured, steady_load

ROOT = Path(__file__).resolve().parent.parent
SNIPPETS = ROOT / "snippets"
RESULTS = ROOT / "references" / "performance.json"
PAGE = ROOT / "references" / "performance.md"
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


def broken_claims(name: str, result: Result) -> list[str]:
    """The claims of a case that its measured result does not keep."""
    if result["status"] != "measured":
        return []
    rows = {row["id"]: row["values"] for row in result["rows"]}

    def value(figure: str) -> float:
        row_id, column = figure.split(".")
        return rows[row_id][column]["value"]

    claims = REGISTRY[name].claims
    return [f"{name}: {a} is not above {k} x {b}" for a, b, k in claims if not value(a) > k * value(b)]


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
def serve(path: str, **env: str) -> Iterator[str]:
    """Run snippets/<path> under uvicorn in its own process; yield its base URL."""
    with servers.uvicorn_process(SNIPPETS / path, env) as app:
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
            first_line = (str(error).splitlines() or [""])[0]  # servers append whole server logs
            results[name] = {"status": "failed", "reason": f"{type(error).__name__}: {first_line}"}
        print(f"bench: {name} {results[name]['status']}", file=sys.stderr, flush=True)
    return results


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
        if not RESULTS.is_file():
            print(f"error: {RESULTS.relative_to(ROOT)} is missing: run the benchmark first", file=sys.stderr)
            return 2
        PAGE.write_text(render_page(), encoding="utf-8", newline="\n")
        return 0
    unknown = set(args.only or ()) - set(REGISTRY)
    if unknown:
        parser.error(f"unknown case(s): {', '.join(sorted(unknown))}")
    start = time.monotonic()
    results = run_all(args.only or list(REGISTRY), args.quick)
    if args.only:
        json.dump(results, sys.stdout, indent=2)
        print()
    else:
        RESULTS.write_text(
            json.dumps(bench_lib.record(results, args.quick, time.monotonic() - start), indent=2) + "\n",
            encoding="utf-8",
        )
        PAGE.write_text(render_page(), encoding="utf-8", newline="\n")
        print(f"wrote {RESULTS.relative_to(ROOT)} and {PAGE.relative_to(ROOT)}", file=sys.stderr)
    broken = [claim for name, result in results.items() for claim in broken_claims(name, result)]
    for claim in broken:
        print(f"bench: direction not kept (a noisy machine?): {claim}", file=sys.stderr)
    return 1 if broken or any(result["status"] == "failed" for result in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
