"""Serve files from one folder with FileResponse; no name may resolve to anything outside it."""

import os
from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse

FILES_DIR = Path(os.environ.get("FILES_DIR", "files")).resolve()

app = FastAPI()


# region contained-path
def resolve_inside(root: Path, name: str) -> Path:
    """The regular file that `name` names inside `root`; 400 for a malformed name, else 404."""
    if not name or "\x00" in name or "\\" in name or name.startswith("/"):
        raise HTTPException(400, "invalid file name")
    try:
        path = (root / name).resolve(strict=True)  # follows `..` and every symlink
    except (OSError, RuntimeError):  # missing, too long, a symlink loop (RuntimeError on 3.11)
        raise HTTPException(404, "file not found") from None
    if not path.is_relative_to(root) or not path.is_file():
        raise HTTPException(404, "file not found")  # outside or not a file: reveal nothing
    return path


# endregion contained-path


# region download
@app.get("/files/{name:path}")
def download(name: str) -> FileResponse:
    # Plain `def`: resolve() and is_file() touch the disk, so FastAPI runs this in a worker thread.
    # FileResponse then reads the file in worker threads too, chunk by chunk.
    path = resolve_inside(FILES_DIR, name)
    return FileResponse(path, filename=path.name)  # non-ASCII names become filename*=utf-8''...


# endregion download
