"""snippets/sqlalchemy/commit_scope.py: a commit that fails reaches the client as 409."""

import httpx
import pytest
import servers

SEAT = {"flight": "LH100", "seat": "12A"}


@pytest.mark.parametrize("path", ["/bookings", "/v2/bookings"])
async def test_failed_commit_answers_409(database_url, load_snippet, live_server, path):
    module = load_snippet("sqlalchemy/commit_scope.py", DATABASE_URL=database_url)
    url = live_server(module.app)
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        first = await client.post(path, json=SEAT)
        second = await client.post(path, json=SEAT)
        other_seat = await client.post(path, json={**SEAT, "seat": "12B"})
    assert (first.status_code, second.status_code, other_seat.status_code) == (201, 409, 201)
    assert second.json() == {"detail": "seat already booked"}
    seats = servers.psql(database_url, "SELECT seat FROM bookings ORDER BY seat").stdout.split()
    assert seats == ["12A", "12B"]
