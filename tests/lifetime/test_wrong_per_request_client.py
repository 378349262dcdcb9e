"""wrong_per_request_client.py against lifespan.py: a client per request opens a connection per request."""

from upstream_server import Reply


async def test_a_client_per_request_opens_a_connection_per_request(load_snippet, upstream, asgi_client):
    upstream.replies["/avatars/1"] = Reply(body={"url": "https://img/1.png"})
    module = load_snippet("lifetime/wrong_per_request_client.py", AVATARS_URL=upstream.url)
    async with asgi_client(module.app) as client:
        for _ in range(5):
            assert (await client.get("/avatars/1")).json() == {"url": "https://img/1.png"}
    assert upstream.connections_opened == 5  # the shared client in lifespan.py needs one
