"""Runs inside the process pool's workers: a barrier on files proves two jobs run at once."""

import os
import time
from pathlib import Path


def probe(limit: int) -> int:
    """Record this worker's pid, then wait until `limit` jobs have started; fail if they never do."""
    folder = Path(os.environ["PROBE_DIR"])
    (folder / f"{os.getpid()}.started").touch()
    deadline = time.monotonic() + 30
    while len(list(folder.glob("*.started"))) < limit:
        if time.monotonic() > deadline:
            raise TimeoutError("the other job never started: jobs did not run at the same time")
        time.sleep(0.01)
    return os.getpid()
