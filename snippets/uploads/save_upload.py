"""Stream uploads to disk in chunks, under a size limit, with names the server generates."""

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

import anyio
from fastapi import FastAPI, File, HTTPException, Request, UploadFile
from pydantic import BaseModel
from starlette.requests import ClientDisconnect

UPLOAD_DIR = Path(os.environ.get("UPLOAD_DIR", "uploads")).resolve()
MAX_UPLOAD_BYTES = int(os.environ.get("MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)))
CHUNK_BYTES = 64 * 1024

app = FastAPI()


class StoredFile(BaseModel):
    id: str
    size: int


# region save-chunks
async def save_chunks(chunks: AsyncIterator[bytes]) -> StoredFile:
    """Write chunks to a file named by the server; on any failure delete what was written."""
    file_id = uuid.uuid4().hex  # never a client-supplied name
    partial = anyio.Path(UPLOAD_DIR / f"{file_id}.part")
    size = 0
    try:
        async with await anyio.open_file(partial, "wb") as out:  # each write runs in a worker thread
            async for chunk in chunks:
                size += len(chunk)
                await out.write(chunk)
        await partial.rename(UPLOAD_DIR / file_id)  # a stored file only ever appears whole
    except BaseException:  # 413 mid-stream, client gone, disk full, cancelled
        await partial.unlink(missing_ok=True)
        raise
    return StoredFile(id=file_id, size=size)


# endregion save-chunks


# region raw-body
@app.put("/uploads", status_code=201, max_body_size=MAX_UPLOAD_BYTES)
async def upload_body(request: Request) -> StoredFile:
    # max_body_size answers 413 for a large Content-Length before a byte is read, and raises
    # inside request.stream() once a chunked body passes the limit.
    try:
        return await save_chunks(request.stream())
    except ClientDisconnect:
        raise HTTPException(400, "upload interrupted") from None  # not a logged 500


# endregion raw-body


# region multipart
async def read_upload(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(CHUNK_BYTES):
        yield chunk


@app.post("/uploads/form", status_code=201, max_body_size=MAX_UPLOAD_BYTES)
async def upload_form(file: Annotated[UploadFile, File()]) -> StoredFile:
    # Starlette spooled the part to a temporary file (the limit stopped it early if too big).
    # file.filename is client input: keep it out of every path.
    return await save_chunks(read_upload(file))


# endregion multipart
