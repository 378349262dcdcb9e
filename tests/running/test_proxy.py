"""Forwarded headers trusted only from the proxy, a 413 body limit and unbuffered streams, on real uvicorn."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import servers

SNIPPET = Path(__file__).resolve().parents[2] / "snippets" / "running" / "proxy.py"

FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}


@pytest.fixture(scope="module")
def app() -> Iterator[servers.AppProcess]:
    """One server for the module. The proxy is 127.0.0.1; 127.0.0.2 stands for anyone else."""
    args = ("--proxy-headers", "--forwarded-allow-ips", "127.0.0.1")
    with servers.uvicorn_process(SNIPPET, env={"MAX_BODY_BYTES": "1000"}, args=args) as app:
        yield app


async def whoami(url: str, local_address: str) -> dict[str, str]:
    transport = httpx.AsyncHTTPTransport(local_address=local_address)
    async with httpx.AsyncClient(transport=transport, timeout=30) as client:
        response = await client.get(f"{url}/whoami", headers=FORWARDED)
        return response.json()


async def test_forwarded_headers_are_honoured_only_from_the_allowed_proxy(app):
    assert await whoami(app.url, "127.0.0.1") == {"host": "203.0.113.7", "scheme": "https"}
    assert await whoami(app.url, "127.0.0.2") == {"host": "127.0.0.2", "scheme": "http"}


async def chunks(total: int, size: int = 100) -> AsyncIterator[bytes]:
    for _ in range(total // size):
        yield b"x" * size


async def test_bodies_over_the_limit_get_413_with_or_without_content_length(app):
    async with httpx.AsyncClient(base_url=app.url, timeout=30) as client:
        headers = {"Content-Type": "text/plain"}
        small = await client.post("/notes", content=b"x" * 1000, headers=headers)
        assert small.status_code == 200
        assert small.json() == {"bytes": 1000}

        declared = await client.post("/notes", content=b"x" * 1001, headers=headers)
        assert declared.status_code == 413
        assert "Content Too Large" in declared.text

        chunked = await client.post("/notes", content=chunks(5000), headers=headers)  # no Content-Length
        assert chunked.status_code == 413
        assert "Content Too Large" in chunked.text

        assert (await client.post("/notes", content=chunks(500), headers=headers)).json() == {"bytes": 500}

        binary = {"Content-Type": "application/octet-stream"}
        larger = await client.post("/attachments", content=b"x" * 5000, headers=binary)  # its own limit
        assert larger.json() == {"bytes": 5000}
        assert (await client.post("/attachments", content=b"x" * 10_001, headers=binary)).status_code == 413


async def test_streams_tell_the_proxy_not_to_buffer_only_when_the_header_is_set_before_streaming(app):
    async with httpx.AsyncClient(base_url=app.url, timeout=30) as client:
        right = await client.get("/export")
        assert right.headers["x-accel-buffering"] == "no"
        assert [json.loads(line) for line in right.text.splitlines()] == [{"id": 0}, {"id": 1}, {"id": 2}]

        wrong = await client.get("/export-wrong")
        assert wrong.status_code == 200
        assert "x-accel-buffering" not in wrong.headers
