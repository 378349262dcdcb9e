import asyncio
import importlib
import os
import sys
import time
from pathlib import Path

import pytest

FOLDER = Path(__file__).resolve().parents[2] / "snippets" / "async_vs_sync"


@pytest.fixture
def cpu_bound(monkeypatch):
    # Pool workers are spawned processes: they import the module by name, so import it normally.
    monkeypatch.setenv("CPU_WORKERS", "2")
    monkeypatch.syspath_prepend(str(FOLDER))
    yield importlib.import_module("cpu_bound")
    sys.modules.pop("cpu_bound", None)


async def test_results_come_from_the_process_pool(cpu_bound, asgi_client):
    async with asgi_client(cpu_bound.app) as client:
        response = await client.get("/primes/150000")
        assert response.json() == {"limit": 150000, "primes": 13848}
        assert (await client.get("/primes/1")).status_code == 422


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="parallelism needs two cores")
async def test_two_jobs_in_the_pool_take_about_as_long_as_one(cpu_bound, asgi_client):
    async def timed(jobs: int) -> float:
        start = time.perf_counter()
        responses = await asyncio.gather(*(client.get("/primes/150000") for _ in range(jobs)))
        assert all(r.status_code == 200 for r in responses)
        return time.perf_counter() - start

    async with asgi_client(cpu_bound.app) as client:
        await timed(2)  # start both workers
        one = min([await timed(1) for _ in range(3)])
        two = min([await timed(2) for _ in range(3)])
    # In threads two jobs take twice as long as one (see test_wrong_cpu_in_threads); here they overlap.
    assert two / one < 1.6
