"""wrong_on_event.py: on_event is deprecated, gone from Starlette, and ignored when lifespan= is set."""

import inspect

import pytest
import starlette.applications
import starlette.routing
from fastapi import FastAPI


def test_starlette_no_longer_has_on_event_or_startup_handlers():
    assert not hasattr(starlette.applications.Starlette, "on_event")
    assert not hasattr(starlette.routing.Router, "on_event")
    parameters = inspect.signature(starlette.applications.Starlette).parameters
    assert "lifespan" in parameters
    assert "on_startup" not in parameters
    assert "on_shutdown" not in parameters


async def test_on_event_handler_never_runs_when_a_lifespan_is_set(load_snippet, upstream, asgi_client):
    with pytest.warns(DeprecationWarning, match="on_event is deprecated"):
        module = load_snippet("lifetime/wrong_on_event.py", AVATARS_URL=upstream.url)
    async with asgi_client(module.app) as client:
        assert not hasattr(module.app.state, "http")  # startup ran, the handler did not
        with pytest.raises(AttributeError, match="http"):
            await client.get("/avatars/1")
    assert upstream.received == []


async def test_fastapis_deprecated_copy_still_runs_without_a_lifespan(asgi_client):
    app = FastAPI()
    ran = []
    with pytest.warns(DeprecationWarning, match="on_event is deprecated"):
        app.on_event("startup")(lambda: ran.append("startup"))
    async with asgi_client(app):
        assert ran == ["startup"]
