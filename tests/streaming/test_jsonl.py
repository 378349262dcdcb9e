"""snippets/streaming/jsonl.py: one JSON object per line, sent while later pages are still unread."""

import asyncio
import json
import threading

import httpx


async def test_jsonl_has_one_validated_object_per_line(load_snippet, asgi_client):
    module = load_snippet("streaming/jsonl.py", TOTAL_ORDERS="250", PAGE_SIZE="100")
    async with asgi_client(module.app) as client:
        response = await client.get("/orders.jsonl", params={"limit": 230})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/jsonl"
    lines = response.text.splitlines()
    assert len(lines) == 230
    assert lines[0] == '{"id":1,"total_cents":125}'
    assert [json.loads(line)["id"] for line in lines] == list(range(1, 231))
    assert response.text.endswith("\n")


async def test_limit_is_validated(load_snippet, asgi_client):
    module = load_snippet("streaming/jsonl.py")
    async with asgi_client(module.app) as client:
        for limit in (0, 100_001):
            response = await client.get("/orders.jsonl", params={"limit": limit})
            assert response.status_code == 422
            assert response.json()["detail"][0]["loc"] == ["query", "limit"]


async def test_first_lines_arrive_before_the_next_page_is_fetched(load_snippet, live_server, monkeypatch):
    module = load_snippet("streaming/jsonl.py", TOTAL_ORDERS="250", PAGE_SIZE="100")
    second_page_allowed = threading.Event()  # the server runs in another thread with its own loop
    pages_fetched: list[int] = []
    fetch = module.fetch_orders_page

    async def gated_fetch(after_id: int, limit: int):
        pages_fetched.append(after_id)
        if after_id > 0:
            await asyncio.to_thread(second_page_allowed.wait, 10)
        return await fetch(after_id, limit)

    monkeypatch.setattr(module, "fetch_orders_page", gated_fetch)
    url = live_server(module.app)
    async with (
        httpx.AsyncClient(base_url=url, timeout=10) as client,
        client.stream("GET", "/orders.jsonl") as response,
    ):
        lines = response.aiter_lines()
        # The first line is here although page 2 is still waiting for the test.
        assert json.loads(await anext(lines)) == {"id": 1, "total_cents": 125}
        second_page_allowed.set()
        rest = [json.loads(line) async for line in lines]
    assert [order["id"] for order in rest] == list(range(2, 251))
    assert pages_fetched == [0, 100, 200, 250]


async def test_generated_text_report_is_exact(load_snippet, asgi_client):
    module = load_snippet("streaming/jsonl.py", TOTAL_ORDERS="3", PAGE_SIZE="2")
    async with asgi_client(module.app) as client:
        response = await client.get("/orders/report.txt")
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text == (
        "order    total\n    1     1.25\n    2     2.50\n    3     3.75\ntotal     7.50\n"
    )
