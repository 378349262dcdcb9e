"""snippets/sqlalchemy/wrong_commit_after_yield.py: a failed commit still answers 201."""

import asyncio
import logging
import threading

import httpx
import servers

SEAT = {"flight": "LH100", "seat": "12A"}


class Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.errors: list[BaseException] = []
        self.logged = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1]:
            self.errors.append(record.exc_info[1])
            self.logged.set()


async def test_failed_commit_after_yield_still_answers_201(database_url, load_snippet, live_server):
    module = load_snippet("sqlalchemy/wrong_commit_after_yield.py", DATABASE_URL=database_url)
    url = live_server(module.app)  # real uvicorn: the response goes out before the commit runs
    servers.psql(database_url, "INSERT INTO bookings (flight, seat) VALUES ('LH100', '12A')")
    recorder = Recorder()
    uvicorn_log = logging.getLogger("uvicorn.error")
    uvicorn_log.addHandler(recorder)
    try:
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            response = await client.post("/bookings", json=SEAT)  # the unique check fails at COMMIT
        assert await asyncio.to_thread(recorder.logged.wait, 10)  # uvicorn logs the commit's failure
    finally:
        uvicorn_log.removeHandler(recorder)
    assert response.status_code == 201  # the client was told "booked"...
    assert "duplicate key value" in str(recorder.errors[0])  # ...and the commit failed after that
    assert servers.psql(database_url, "SELECT count(*) FROM bookings").stdout.strip() == "1"
