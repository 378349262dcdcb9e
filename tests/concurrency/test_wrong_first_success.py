"""snippets/concurrency/wrong_first_success.py: asyncio.wait() on bare coroutines."""

import gc

import pytest


async def test_waiting_on_bare_coroutines_raises_type_error(load_snippet, upstream, asgi_client):
    mirrors = f"{upstream.url}/a,{upstream.url}/b"
    module = load_snippet("concurrency/wrong_first_success.py", MIRROR_URLS=mirrors)
    async with asgi_client(module.app) as client:
        # The coroutines were created, never started, and are garbage once the request fails.
        with pytest.warns(RuntimeWarning, match="never awaited"):
            with pytest.raises(TypeError, match="coroutines is forbidden"):
                await client.get("/rates/EUR")
            gc.collect()
    assert upstream.received == []  # no mirror was ever asked
