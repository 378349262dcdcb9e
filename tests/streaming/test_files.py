"""snippets/streaming/files.py: files inside the folder download; no request ever reads outside it."""

import asyncio
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

SECRET = b"TOP-SECRET-OUTSIDE-THE-FOLDER"


async def raw_get(base_url: str, target: str) -> tuple[int, dict[str, str], bytes]:
    """Send the request target byte for byte: httpx would normalise `..` and re-encode it."""
    address = urlsplit(base_url)
    reader, writer = await asyncio.open_connection(address.hostname, address.port)
    try:
        writer.write(f"GET {target} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n".encode("latin-1"))
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()
        await writer.wait_closed()
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in header_lines)
    return int(status_line.split()[1]), headers, body


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    """A served folder with a few files and links, and a secret folder beside it."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(SECRET)
    served = tmp_path / "served"
    (served / "sub").mkdir(parents=True)
    (served / "public.txt").write_bytes(b"hello\n")
    (served / "sub" / "nested.txt").write_bytes(b"nested\n")
    (served / "résumé 2026.pdf").write_bytes(b"%PDF-1.7\n")
    (served / "alias.txt").symlink_to(served / "public.txt")  # a link that stays inside is fine
    (served / "escape.txt").symlink_to(outside / "secret.txt")
    (served / "escape-dir").symlink_to(outside)
    (served / "loop").symlink_to(served / "loop")
    return served, outside


@pytest.fixture
def server(folders, load_snippet, live_server) -> str:
    served, _ = folders
    module = load_snippet("streaming/files.py", FILES_DIR=str(served))
    return live_server(module.app)


async def test_files_inside_the_folder_download_with_their_bytes(server):
    for target, body in [
        ("public.txt", b"hello\n"),
        ("sub/nested.txt", b"nested\n"),
        ("alias.txt", b"hello\n"),
    ]:
        status, headers, received = await raw_get(server, f"/files/{target}")
        assert (status, received) == (200, body), target
        assert headers["content-length"] == str(len(body))


@pytest.mark.parametrize(
    "target",
    [
        "/files/../outside/secret.txt",
        "/files/..%2Foutside%2Fsecret.txt",
        "/files/%2e%2e/outside/secret.txt",
        "/files/%2E%2E%2Foutside%2Fsecret.txt",
        "/files/sub/../../outside/secret.txt",
        "/files/sub%2F..%2F..%2Foutside%2Fsecret.txt",
        "/files/{outside}/secret.txt",  # absolute path after the prefix: //tmp/...
        "/files/%2F{outside_no_slash}/secret.txt",
        "/files/..\\outside\\secret.txt",
        "/files/..%5Coutside%5Csecret.txt",
        "/files/public.txt%00.png",
        "/files/escape.txt",
        "/files/escape-dir/secret.txt",
        "/files/loop",
        "/files/%252e%252e%252Foutside%252Fsecret.txt",  # double-encoded: a literal name, not found
        "/files/" + "a" * 5000,
        "/files/sub",
        "/files/",
    ],
)
async def test_no_name_escapes_the_folder(server, folders, target):
    _, outside = folders
    target = target.format(outside=outside, outside_no_slash=str(outside).lstrip("/"))
    status, _, body = await raw_get(server, target)
    assert 400 <= status < 500, (target, status)
    assert SECRET not in body


async def test_missing_file_is_a_404_before_any_byte_of_a_body(server):
    async with httpx.AsyncClient(base_url=server, timeout=10) as client:
        response = await client.get("/files/missing.txt")
    assert response.status_code == 404
    assert response.json() == {"detail": "file not found"}


async def test_non_ascii_name_gets_an_encoded_content_disposition(server):
    async with httpx.AsyncClient(base_url=server, timeout=10) as client:
        response = await client.get("/files/résumé 2026.pdf")
    assert response.status_code == 200
    assert response.content == b"%PDF-1.7\n"
    assert (
        response.headers["content-disposition"] == "attachment; filename*=utf-8''r%C3%A9sum%C3%A9%202026.pdf"
    )
    assert response.headers["content-type"] == "application/pdf"


async def test_plain_ascii_name_is_quoted(server):
    async with httpx.AsyncClient(base_url=server, timeout=10) as client:
        response = await client.get("/files/public.txt")
    assert response.headers["content-disposition"] == 'attachment; filename="public.txt"'


async def test_file_response_alone_turns_a_missing_file_into_a_500(tmp_path):
    """Why the snippet checks first: FileResponse stats the file only while sending."""
    from fastapi import FastAPI
    from fastapi.responses import FileResponse

    app = FastAPI()

    @app.get("/file")
    async def file() -> FileResponse:
        return FileResponse(tmp_path / "missing.txt")

    transport = httpx.ASGITransport(app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.get("/file")).status_code == 500
