"""WRONG: the client's file name used as a path; `../x` writes outside the upload folder."""

import os
from pathlib import Path
from typing import Annotated

import anyio
from fastapi import FastAPI, File, UploadFile

UPLOAD_DIR = Path(os.environ.get("UPLOAD_DIR", "uploads"))

app = FastAPI()


# region wrong-client-filename
@app.post("/uploads")
async def upload(file: Annotated[UploadFile, File()]) -> dict[str, str]:
    target = UPLOAD_DIR / (file.filename or "upload")  # Starlette does not sanitise this name
    async with await anyio.open_file(target, "wb") as out:
        while chunk := await file.read(64 * 1024):
            await out.write(chunk)
    return {"stored": str(target)}


# endregion wrong-client-filename
