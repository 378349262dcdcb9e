import asyncio
import importlib
import os
import sys
from pathlib import Path

import pytest

FOLDER = Path(__file__).resolve().parents[2] / "snippets" / "async_vs_sync"


@pytest.fixture
def cpu_bound(monkeypatch):  # also forgets cpu_probe, which one test imports
    # Pool workers are spawned processes: they import the module by name, so import it normally.
    monkeypatch.setenv("CPU_WORKERS", "2")
    monkeypatch.syspath_prepend(str(FOLDER))
    yield importlib.import_module("cpu_bound")
    sys.modules.pop("cpu_bound", None)
    sys.modules.pop("cpu_probe", None)


async def test_results_come_from_the_process_pool(cpu_bound, asgi_client):
    async with asgi_client(cpu_bound.app) as client:
        response = await client.get("/primes/150000")
        assert response.json() == {"limit": 150000, "primes": 13848}
        assert (await client.get("/primes/1")).status_code == 422


async def test_concurrent_jobs_run_at_once_in_separate_worker_processes(
    cpu_bound, asgi_client, monkeypatch, tmp_path
):
    # Each job waits on a file barrier until both have started: that only finishes if they overlap.
    monkeypatch.syspath_prepend(str(Path(__file__).parent))  # the workers import cpu_probe by name
    monkeypatch.setenv("PROBE_DIR", str(tmp_path))
    monkeypatch.setattr(cpu_bound, "count_primes", importlib.import_module("cpu_probe").probe)
    async with asgi_client(cpu_bound.app) as client:
        responses = await asyncio.gather(client.get("/primes/2"), client.get("/primes/2"))
    worker_pids = {r.json()["primes"] for r in responses}  # the probe returns its pid
    assert len(worker_pids) == 2 and os.getpid() not in worker_pids
