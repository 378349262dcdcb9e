import asyncio

import pytest


@pytest.fixture
def submits(monkeypatch):
    """Record every debouncer that received a submit; the entry exists once the call is pending."""

    def install(debouncer_class):
        seen = []
        original = debouncer_class.submit

        async def recording_submit(self, key, value):
            seen.append(self)
            return await original(self, key, value)

        monkeypatch.setattr(debouncer_class, "submit", recording_submit)
        return seen

    return install


@pytest.fixture
def saves(monkeypatch):
    def install(module, error=None):
        calls = []
        original = module.save_draft

        async def recording_save(draft_id, draft):
            calls.append(draft.text)
            if error is not None:
                raise error
            return await original(draft_id, draft)

        monkeypatch.setattr(module, "save_draft", recording_save)
        return calls

    return install


async def test_rapid_saves_write_once_and_every_caller_gets_that_result(
    load_snippet, asgi_client, submits, saves, eventually
):
    module = load_snippet("batching/debounce.py", DEBOUNCE_SECONDS="3600")
    pending, written = submits(module.Debouncer), saves(module)
    async with asgi_client(module.app) as client:
        requests = []
        for n in range(5):  # one after another, each while the previous is still waiting
            requests.append(asyncio.create_task(client.put("/drafts/1", json={"text": f"v{n}"})))
            await eventually(lambda n=n: len(pending) == n + 1)
        await pending[0].flush()  # what the quiet period (or shutdown) would trigger
        responses = await asyncio.gather(*requests)
    assert [r.status_code for r in responses] == [200] * 5
    assert [r.json() for r in responses] == [{"draft_id": 1, "version": 1, "text": "v4"}] * 5
    assert written == ["v4"]


async def test_the_quiet_period_triggers_the_save(load_snippet, asgi_client, saves):
    module = load_snippet("batching/debounce.py", DEBOUNCE_SECONDS="0.01")
    written = saves(module)
    async with asgi_client(module.app) as client:
        first = await client.put("/drafts/2", json={"text": "a"})
        second = await client.put("/drafts/2", json={"text": "b"})
    assert first.json()["version"] == 1 and second.json() == {"draft_id": 2, "version": 2, "text": "b"}
    assert written == ["a", "b"]


async def test_a_failed_save_reaches_every_caller_of_the_round(
    load_snippet, asgi_client, submits, saves, eventually
):
    module = load_snippet("batching/debounce.py", DEBOUNCE_SECONDS="3600")
    pending = submits(module.Debouncer)
    saves(module, error=module.StoreUnavailable())
    async with asgi_client(module.app) as client:
        requests = [asyncio.create_task(client.put("/drafts/3", json={"text": f"v{n}"})) for n in range(3)]
        await eventually(lambda: len(pending) == 3)
        await pending[0].flush()
        responses = await asyncio.gather(*requests)
    assert [r.status_code for r in responses] == [503] * 3


async def test_a_caller_that_goes_away_does_not_cancel_the_others(load_snippet, saves):
    module = load_snippet("batching/debounce.py", DEBOUNCE_SECONDS="3600")
    written = saves(module)
    async with asyncio.timeout(20), module.lifespan(module.app) as state:
        autosave = state["autosave"]
        leaver = asyncio.create_task(autosave.submit(5, module.DraftIn(text="first")))
        stayer = asyncio.create_task(autosave.submit(5, module.DraftIn(text="second")))
        await asyncio.sleep(0)  # both tasks start and reach their await
        leaver.cancel()  # a client that disconnected
        with pytest.raises(asyncio.CancelledError):
            await leaver
        await autosave.flush()
        assert (await stayer).text == "second"
    assert written == ["second"]


async def test_flush_at_shutdown_writes_a_round_whose_callers_left(load_snippet, saves):
    module = load_snippet("batching/debounce.py")
    written = saves(module)
    async with asyncio.timeout(20), module.lifespan(module.app) as state:
        caller = asyncio.create_task(state["autosave"].submit(4, module.DraftIn(text="last words")))
        await asyncio.sleep(0)
        caller.cancel()
        await asyncio.gather(caller, return_exceptions=True)
        assert written == []
    assert written == ["last words"]
