"""Measure each recommended pattern against its anti-pattern under a real uvicorn on loopback.

Every case runs the repository's own snippet modules (snippets/...) in their own uvicorn process,
sends load from this process, and records each figure with its unit and number of repeats. The
results go to references/performance.json, and references/performance.md is rendered from it.

Usage:
    bench.py                 full run: medians over several repeats; writes the JSON and the page
    bench.py --quick         fewer repeats and smaller loads (under 5 minutes on 2 cores)
    bench.py --render        only render the page from the committed JSON
    bench.py --only NAME...  run some cases and print their JSON (writes nothing)

The cases live in bench_cases.py, each registered with @case (see its docstring). A case whose
snippet is missing (or whose server cannot run here) is skipped with the reason.
Exit codes: 0 done, 1 a case failed or broke a claim, 2 bad usage.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

import bench_lib
import servers
from bench_cases import FULL_REPEATS, QUICK_REPEATS, REGISTRY, SNIPPETS, Case, Result

__all__ = ["FULL_REPEATS", "QUICK_REPEATS", "REGISTRY", "Case", "main", "run_case"]

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "references" / "performance.json"
PAGE = ROOT / "references" / "performance.md"


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
