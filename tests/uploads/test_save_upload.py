"""snippets/uploads/save_upload.py: chunks hit the disk as they arrive; too big or cut off, nothing stays."""

import asyncio
import re
from urllib.parse import urlsplit

import httpx
import pytest

LIMIT = 256 * 1024
CHUNK = b"x" * (32 * 1024)


@pytest.fixture
def uploads(tmp_path):
    folder = tmp_path / "uploads"
    folder.mkdir()
    return folder


@pytest.fixture
def module(uploads, load_snippet):
    return load_snippet("uploads/save_upload.py", UPLOAD_DIR=str(uploads), MAX_UPLOAD_BYTES=str(LIMIT))


async def wait_for(predicate, what: str) -> None:
    for _ in range(400):
        if predicate():
            return
        await asyncio.sleep(0.025)
    raise AssertionError(f"timed out waiting for {what}")


def part_files(folder) -> list:
    return [path for path in folder.iterdir() if path.suffix == ".part"]


async def test_body_is_stored_whole_under_a_server_generated_name(module, uploads, asgi_client):
    body = bytes(range(256)) * 1000
    async with asgi_client(module.app) as client:
        response = await client.put("/uploads", content=body)
    assert response.status_code == 201
    stored = response.json()
    assert re.fullmatch(r"[0-9a-f]{32}", stored["id"])
    assert stored["size"] == len(body)
    assert [path.name for path in uploads.iterdir()] == [stored["id"]]
    assert (uploads / stored["id"]).read_bytes() == body


async def test_declared_length_over_the_limit_gets_413_and_stores_nothing(module, uploads, asgi_client):
    async with asgi_client(module.app) as client:
        response = await client.put("/uploads", content=b"x" * (LIMIT + 1))
    # The endpoint has started (its .part file existed) when the first read of the body raises.
    assert (response.status_code, response.text) == (413, "Content Too Large")
    assert list(uploads.iterdir()) == []


async def test_chunked_body_over_the_limit_gets_413_and_its_partial_file_is_deleted(
    module, uploads, asgi_client
):
    seen_partial: list[bool] = []

    async def body():
        for number in range(LIMIT // len(CHUNK) + 4):
            if number == 3:
                seen_partial.append(bool(part_files(uploads)))  # the first chunks are already on disk
            yield CHUNK

    async with asgi_client(module.app) as client:
        response = await client.put("/uploads", content=body())
    assert (response.status_code, response.json()) == (413, {"detail": "Content Too Large"})
    assert seen_partial == [True]
    assert list(uploads.iterdir()) == []


async def test_upload_streams_to_disk_while_another_completes(module, uploads, live_server):
    url = live_server(module.app)
    release = asyncio.Event()

    async def slow_body():
        yield CHUNK
        await release.wait()
        yield CHUNK

    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        slow = asyncio.create_task(client.put("/uploads", content=slow_body()))
        await wait_for(lambda: part_files(uploads), "the first chunk on disk")
        assert part_files(uploads)[0].stat().st_size == len(CHUNK)  # on disk, not held in memory
        quick = await client.put("/uploads", content=b"quick")
        assert quick.status_code == 201  # served while the slow upload is still open
        release.set()
        response = await slow
    assert response.status_code == 201
    assert response.json()["size"] == 2 * len(CHUNK)
    assert sorted(path.name for path in uploads.iterdir()) == sorted(
        [quick.json()["id"], response.json()["id"]]
    )


async def test_client_that_disconnects_mid_upload_leaves_no_file(module, uploads, live_server):
    address = urlsplit(live_server(module.app))
    _, writer = await asyncio.open_connection(address.hostname, address.port)
    try:
        writer.write(b"PUT /uploads HTTP/1.1\r\nHost: test\r\nContent-Length: 200000\r\n\r\n" + CHUNK)
        await writer.drain()
        await wait_for(lambda: part_files(uploads), "the partial file")
    finally:
        writer.close()
        await writer.wait_closed()
    await wait_for(lambda: not list(uploads.iterdir()), "the partial file to be deleted")


async def test_multipart_client_name_never_becomes_a_path(module, uploads, tmp_path, asgi_client):
    async with asgi_client(module.app) as client:
        response = await client.post("/uploads/form", files={"file": ("../../escaped.txt", b"data")})
    assert response.status_code == 201
    stored = response.json()
    assert [path.name for path in uploads.iterdir()] == [stored["id"]]
    assert (uploads / stored["id"]).read_bytes() == b"data"
    assert not any(path.name == "escaped.txt" for path in tmp_path.rglob("*"))


async def test_multipart_over_the_limit_gets_413_and_stores_nothing(module, uploads, asgi_client):
    async def body():
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n\r\n'
        for _ in range(LIMIT // len(CHUNK) + 4):
            yield CHUNK
        yield b"\r\n--b--\r\n"

    headers = {"content-type": "multipart/form-data; boundary=b"}
    async with asgi_client(module.app) as client:
        response = await client.post("/uploads/form", content=body(), headers=headers)
    assert response.status_code == 413
    assert list(uploads.iterdir()) == []
