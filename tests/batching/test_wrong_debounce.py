import asyncio

import httpx


async def test_cancelling_the_awaited_task_gives_earlier_callers_500(
    load_snippet, live_server, eventually, monkeypatch
):
    module = load_snippet("batching/wrong_debounce.py", DEBOUNCE_SECONDS="3600")
    debouncers, sleeping = [], []
    original_submit, original_later = module.CancellingDebouncer.submit, module.CancellingDebouncer._later

    async def recording_submit(self, key, value):
        debouncers.append(self)
        return await original_submit(self, key, value)

    async def recording_later(self, key, value):
        sleeping.append(key)  # the task has read its delay and is about to sleep
        return await original_later(self, key, value)

    monkeypatch.setattr(module.CancellingDebouncer, "submit", recording_submit)
    monkeypatch.setattr(module.CancellingDebouncer, "_later", recording_later)
    url = live_server(module.app)
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        requests = []
        for n in range(4):
            if n == 3:
                debouncers[0].delay = 0  # the last round finishes at once
            requests.append(asyncio.create_task(client.put("/drafts/1", json={"text": f"v{n}"})))
            await eventually(lambda n=n: len(sleeping) == n + 1)
        responses = await asyncio.gather(*requests)
    assert [r.status_code for r in responses] == [500, 500, 500, 200]
    assert responses[-1].json() == {"draft_id": 1, "text": "v3"}
