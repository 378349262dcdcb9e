import asyncio
import threading
import time


async def test_cpu_bound_requests_in_threads_share_one_core(load_snippet, asgi_client):
    module = load_snippet("async_vs_sync/wrong_cpu_in_threads.py")
    jobs: list[tuple[float, float, float]] = []  # (start, end, CPU seconds of the job's thread)
    lock = threading.Lock()
    count_primes = module.count_primes

    def measured(limit: int) -> int:
        start, cpu_start = time.perf_counter(), time.thread_time()
        result = count_primes(limit)
        with lock:
            jobs.append((start, time.perf_counter(), time.thread_time() - cpu_start))
        return result

    module.count_primes = measured
    async with asgi_client(module.app) as client:
        responses = await asyncio.gather(*(client.get("/primes/150000") for _ in range(3)))
    assert [r.json() for r in responses] == [{"limit": 150000, "primes": 13848}] * 3

    starts, ends, cpu = zip(*jobs, strict=True)
    assert max(starts) < min(ends), "the three jobs ran at the same time"
    wall = max(ends) - min(starts)
    assert sum(cpu) / wall < 1.25, "threads ran Python in parallel; the GIL should prevent it"
