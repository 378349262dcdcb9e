"""Two server processes (as with --workers 2, or two instances) do not share memory; Redis is shared."""

from __future__ import annotations

import httpx


# redis_url comes first so that it is checked after the app processes stopped.
async def test_in_memory_counters_are_per_process_and_the_redis_counter_is_shared(redis_url, app_process):
    first = app_process("running/counters.py", env={"REDIS_URL": redis_url})
    second = app_process("running/counters.py", env={"REDIS_URL": redis_url})
    async with httpx.AsyncClient(timeout=30) as client:

        async def hit(app, kind: str) -> dict[str, int]:
            response = await client.post(f"{app.url}/hits/{kind}")
            response.raise_for_status()
            return response.json()

        for kind in ("memory", "shared"):
            for _ in range(3):
                from_first = await hit(first, kind)
            for _ in range(2):
                from_second = await hit(second, kind)
            assert from_first["pid"] != from_second["pid"]
            if kind == "memory":  # each process saw only its own requests
                assert (from_first["hits"], from_second["hits"]) == (3, 2)
            else:  # one count across both processes
                assert (from_first["hits"], from_second["hits"]) == (3, 5)
