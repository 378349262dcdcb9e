"""wrong_reservation.py: without an error path around yield, a failed order keeps its stock held."""

from upstream_server import Reply


async def test_failed_payment_leaves_the_reservation_held(load_snippet, upstream, asgi_client):
    upstream.replies["/reservations"] = Reply(body={"id": "r1"})
    upstream.replies["/charges"] = Reply(status=402)
    module = load_snippet("lifetime/wrong_reservation.py", STOCK_URL=upstream.url, PAYMENTS_URL=upstream.url)
    async with asgi_client(module.app) as client:
        response = await client.post("/orders", json={"sku": "pen", "quantity": 2})
    assert response.status_code == 502
    assert [(r.method, r.path) for r in upstream.received] == [
        ("POST", "/reservations"),
        ("POST", "/charges"),
    ]
