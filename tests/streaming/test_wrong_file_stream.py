"""snippets/streaming/wrong_file_stream.py: one slow disk read stalls every request on the server.

The "file" is a named pipe: reading it blocks until the test writes, like a slow disk or network share.
"""

import asyncio
import contextlib
import errno
import os

import httpx
import pytest


async def wait_for_reader(fifo) -> int:
    """Open the pipe's write end once the server has opened the read end; return the descriptor."""
    for _ in range(1000):
        try:
            return os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as error:  # ENXIO: nobody has it open for reading yet
            assert error.errno == errno.ENXIO
            await asyncio.sleep(0.01)
    raise AssertionError("the server never opened the report")


async def test_blocking_read_in_async_generator_stalls_other_requests(tmp_path, load_snippet, live_server):
    fifo = tmp_path / "report.csv"
    os.mkfifo(fifo)
    module = load_snippet("streaming/wrong_file_stream.py", REPORT_PATH=str(fifo))
    url = live_server(module.app)
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        download = asyncio.create_task(client.get("/report"))
        writer = await wait_for_reader(fifo)  # the server is now inside read(), holding the loop
        try:
            with pytest.raises(httpx.ReadTimeout):
                await client.get("/health", timeout=1)  # a request that needs no file at all
        finally:
            os.write(writer, b"id,total\n1,9.50\n")
            os.close(writer)
        assert (await client.get("/health")).json() == {"status": "ok"}  # the loop is free again
        response = await download
    assert response.text == "id,total\n1,9.50\n"
    with contextlib.suppress(FileNotFoundError):
        fifo.unlink()
