"""WRONG for CPU-bound work: threads take turns on the GIL, so concurrent jobs do not run in parallel."""

from typing import Annotated

from fastapi import FastAPI, Path

app = FastAPI()


def count_primes(limit: int) -> int:
    """Pure-Python CPU work: holds the GIL from start to end."""
    return sum(all(n % d for d in range(2, int(n**0.5) + 1)) for n in range(2, limit))


# region wrong-cpu-in-threads
@app.get("/primes/{limit}")
def primes(limit: Annotated[int, Path(ge=2, le=2_000_000)]) -> dict[str, int]:
    # Frees the event loop, but N concurrent requests still share one core's worth of Python.
    return {"limit": limit, "primes": count_primes(limit)}


# endregion wrong-cpu-in-threads
