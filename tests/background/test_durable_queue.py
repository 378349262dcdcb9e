"""snippets/background/durable_queue.py: jobs wait in Redis for a worker and survive a worker crash."""

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import anyio
import pytest
from redis.asyncio import Redis

SNIPPET_DIR = Path(__file__).resolve().parents[2] / "snippets" / "background"


@contextlib.contextmanager
def taskiq_worker(redis_url: str, log: Path, **env: str):
    """`taskiq worker durable_queue:broker` in its own process group (it forks a child worker)."""
    command = [sys.executable, "-m", "taskiq", "worker", "durable_queue:broker", "--workers", "1",
               "--app-dir", str(SNIPPET_DIR), "--log-level", "INFO"]  # fmt: skip
    with log.open("ab") as output:
        process = subprocess.Popen(
            command, env={**os.environ, "REDIS_URL": redis_url, **env},
            stdout=output, stderr=output, start_new_session=True,
        )  # fmt: skip
    try:
        yield process
    finally:
        stop_group(process, signal.SIGTERM)


def stop_group(process: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)  # the group this test started: the worker and its child
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


async def wait_for_job(client, job_id: str, log: Path) -> dict:
    for _ in range(600):
        job = (await client.get(f"/jobs/{job_id}")).json()
        if job["status"] != "queued":
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} never finished; worker log:\n{await anyio.Path(log).read_text()}")


async def test_job_sent_while_no_worker_runs_is_done_once_one_starts(
    redis_url, load_snippet, asgi_client, tmp_path
):
    log = tmp_path / "worker.log"
    module = load_snippet("background/durable_queue.py", REDIS_URL=redis_url)
    async with asgi_client(module.app) as client:
        response = await client.post("/thumbnails", json={"image_id": 7, "width": 320})
        assert response.status_code == 202
        job_id = response.json()["id"]
        assert (await client.get(f"/jobs/{job_id}")).json() == {
            "id": job_id,
            "status": "queued",
            "result": None,
        }
    # The app is gone (a restart); the job waits in Redis. A new app instance reads the result.
    module = load_snippet("background/durable_queue.py", REDIS_URL=redis_url)
    with taskiq_worker(redis_url, log):
        async with asgi_client(module.app) as client:
            job = await wait_for_job(client, job_id, log)
    assert job == {"id": job_id, "status": "done", "result": "thumbnails/7-320.png"}


async def test_validation_rejects_bad_jobs_before_they_are_queued(redis_url, load_snippet, asgi_client):
    module = load_snippet("background/durable_queue.py", REDIS_URL=redis_url)
    async with asgi_client(module.app) as client:
        response = await client.post("/thumbnails", json={"image_id": 7, "width": 1})
    assert response.status_code == 422
    redis = Redis.from_url(redis_url, socket_timeout=5)
    try:
        assert await redis.xlen("taskiq") == 0
    finally:
        await redis.aclose()


async def test_job_of_a_worker_killed_mid_run_is_redelivered_to_another(
    redis_url, load_snippet, asgi_client, tmp_path
):
    log = tmp_path / "worker.log"
    module = load_snippet("background/durable_queue.py", REDIS_URL=redis_url)
    redis = Redis.from_url(redis_url, socket_timeout=5)
    try:
        async with asgi_client(module.app) as client:
            job_id = (await client.post("/thumbnails", json={"image_id": 9, "width": 64})).json()["id"]
            # The first worker takes the job and hangs in it; then it is killed without warning.
            with taskiq_worker(redis_url, log, RENDER_SECONDS="600", REDELIVER_AFTER_MS="500") as doomed:
                for _ in range(600):
                    if (await redis.xpending("taskiq", "taskiq"))["pending"] == 1:
                        break
                    await asyncio.sleep(0.05)
                assert (await redis.xpending("taskiq", "taskiq"))["pending"] == 1
                stop_group(doomed, signal.SIGKILL)
            assert (await client.get(f"/jobs/{job_id}")).json()["status"] == "queued"
            # A healthy worker claims the unacknowledged job once it has been idle long enough.
            # taskiq-redis 1.2.4 looks for such jobs only after a read that returned new jobs:
            # the next job sent nudges it.
            with taskiq_worker(redis_url, log, REDELIVER_AFTER_MS="500"):
                nudge_id = (await client.post("/thumbnails", json={"image_id": 10, "width": 64})).json()["id"]
                job = await wait_for_job(client, job_id, log)
                assert (await wait_for_job(client, nudge_id, log))["status"] == "done"
        assert job == {"id": job_id, "status": "done", "result": "thumbnails/9-64.png"}
        assert (await redis.xpending("taskiq", "taskiq"))["pending"] == 0  # acknowledged
    finally:
        await redis.aclose()


@pytest.mark.parametrize("job_id", ["nope", "A" * 32, "0" * 33])
async def test_a_malformed_job_id_is_a_422(redis_url, load_snippet, asgi_client, job_id):
    module = load_snippet("background/durable_queue.py", REDIS_URL=redis_url)
    async with asgi_client(module.app) as client:
        response = await client.get(f"/jobs/{job_id}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "job_id"]
