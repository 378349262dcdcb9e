"""streaming/files.py against wrong_file_stream.py: FileResponse's disk reads do not hold the loop.

The report's read() is held (in whatever thread calls it) until the test lets it go; another request
is answered meanwhile. The wrong module, held the same way, answers nothing
(tests/streaming/test_wrong_file_stream.py).
"""

import asyncio
import builtins
import threading
from pathlib import Path

import httpx

REPORT = b"id,total\n1,9.50\n"


class HeldFile:
    """A real file whose reads wait for `release`, like a slow disk or network share."""

    def __init__(self, handle, reading: threading.Event, release: threading.Event) -> None:
        self._handle, self._reading, self._release = handle, reading, release

    def read(self, size: int = -1) -> bytes:
        self._reading.set()
        assert self._release.wait(30), "the test never released the read"
        return self._handle.read(size)

    def __enter__(self) -> "HeldFile":
        return self

    def __exit__(self, *exc_info) -> None:
        self._handle.close()

    def __getattr__(self, name: str):
        return getattr(self._handle, name)


async def test_file_response_reads_in_a_worker_thread_while_other_requests_are_served(
    tmp_path, load_snippet, live_server, monkeypatch
):
    served = tmp_path / "served"
    served.mkdir()
    (served / "report.csv").write_bytes(REPORT)
    reading, release = threading.Event(), threading.Event()
    real_open = builtins.open

    def held_open(file, *args, **kwargs):
        handle = real_open(file, *args, **kwargs)
        return HeldFile(handle, reading, release) if Path(str(file)).name == "report.csv" else handle

    monkeypatch.setattr(builtins, "open", held_open)
    url = live_server(load_snippet("streaming/files.py", FILES_DIR=str(served)).app)
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        download = asyncio.create_task(client.get("/files/report.csv"))
        try:
            assert await asyncio.to_thread(reading.wait, 10)  # the server is inside read()
            missing = await client.get("/files/missing.txt")  # answered while that read is held
            assert missing.status_code == 404
            assert not download.done()
        finally:
            release.set()
        response = await download
    assert (response.status_code, response.content) == (200, REPORT)
