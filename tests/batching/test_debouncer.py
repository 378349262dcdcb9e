"""The Debouncer alone (snippets/batching/debouncer.py), without the app."""

import asyncio

import pytest


async def test_a_caller_that_goes_away_does_not_cancel_the_others(load_snippet):
    module = load_snippet("batching/debouncer.py")
    runs = []

    async def action(key, value):
        runs.append(value)
        return value.upper()

    debouncer = module.Debouncer(action, delay=3600)
    leaver = asyncio.create_task(debouncer.submit("k", "first"))
    stayer = asyncio.create_task(debouncer.submit("k", "second"))
    await asyncio.sleep(0)  # both tasks start and reach their await
    leaver.cancel()  # a client that disconnected
    with pytest.raises(asyncio.CancelledError):
        await leaver
    await debouncer.flush()
    assert await stayer == "SECOND"
    assert runs == ["second"]


async def test_a_failed_action_reaches_every_caller_and_the_next_round_runs_again(load_snippet):
    module = load_snippet("batching/debouncer.py")
    outcomes = [RuntimeError("down"), "saved"]

    async def action(key, value):
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    debouncer = module.Debouncer(action, delay=3600)
    callers = [asyncio.create_task(debouncer.submit("k", n)) for n in range(3)]
    await asyncio.sleep(0)
    await debouncer.flush()
    results = await asyncio.gather(*callers, return_exceptions=True)
    assert [str(r) for r in results] == ["down"] * 3
    again = asyncio.create_task(debouncer.submit("k", 3))
    await asyncio.sleep(0)
    await debouncer.flush()
    assert await again == "saved"
