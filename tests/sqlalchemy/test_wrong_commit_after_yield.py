"""snippets/sqlalchemy/wrong_commit_after_yield.py: a failed commit still answers 201."""

import httpx
import servers

SEAT = {"flight": "LH100", "seat": "12A"}


async def test_failed_commit_after_yield_still_answers_201(database_url, load_snippet, live_server):
    module = load_snippet("sqlalchemy/wrong_commit_after_yield.py", DATABASE_URL=database_url)
    url = live_server(module.app)  # real uvicorn: the response goes out before the commit runs
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        first = await client.post("/bookings", json=SEAT)
        second = await client.post("/bookings", json=SEAT)  # the deferred unique check fails at COMMIT
    assert (first.status_code, second.status_code) == (201, 201)
    bookings = servers.psql(database_url, "SELECT count(*) FROM bookings").stdout.strip()
    assert bookings == "1"  # the second client was told "booked" but nothing was saved
