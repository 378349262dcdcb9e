"""Serve any snippet app under uvicorn, starting the embedded servers it needs.

    python scripts/serve.py async_vs_sync/handlers.py [--port 8000]

A snippet that reads DATABASE_URL, REDIS_URL or MONGODB_URL gets an embedded PostgreSQL, Redis or
MongoDB wire server (see servers.py) unless that variable is already set. Ctrl+C stops everything.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import os
import re
import sys
from pathlib import Path

import servers

SNIPPETS = Path(__file__).resolve().parent.parent / "snippets"


def find_snippet(name: str) -> Path:
    """Resolve 'topic/module', 'topic/module.py' or 'snippets/topic/module.py'."""
    relative = name.removeprefix("snippets/").removesuffix(".py") + ".py"
    path = SNIPPETS / relative
    if path.is_file():
        return path
    known = sorted(str(p.relative_to(SNIPPETS)) for p in SNIPPETS.rglob("*.py"))
    hint = difflib.get_close_matches(relative, known, n=3)
    raise SystemExit(
        f"error: no snippet {relative!r}" + (f"; did you mean {', '.join(hint)}?" if hint else "")
    )


def needed_services(source: str) -> list[str]:
    """The environment variables (keys of servers.SERVICES) that a snippet's source reads."""
    return [name for name in servers.SERVICES if re.search(rf"[\"']{name}[\"']", source)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("snippet", help="for example async_vs_sync/handlers.py")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    module = find_snippet(args.snippet)

    import uvicorn

    with contextlib.ExitStack() as stack:
        for variable in needed_services(module.read_text(encoding="utf-8")):
            if variable not in os.environ:
                try:
                    os.environ[variable] = stack.enter_context(servers.SERVICES[variable]())
                except servers.Unavailable as reason:
                    raise SystemExit(f"error: {variable} is not set and {reason}") from None
                print(f"{variable}={os.environ[variable]}", flush=True)
        uvicorn.run(f"{module.stem}:app", app_dir=str(module.parent), host=servers.HOST, port=args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
