"""The Debouncer alone (snippets/batching/debouncer.py), without the app."""

import asyncio


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


async def test_each_key_runs_once_with_its_latest_value(load_snippet):
    module = load_snippet("batching/debouncer.py")
    runs = []

    async def action(key, value):
        runs.append((key, value))
        return value * 10

    debouncer = module.Debouncer(action, delay=3600)
    callers = [
        asyncio.create_task(debouncer.submit(k, v)) for k, v in [("a", 1), ("b", 1), ("a", 2), ("b", 3)]
    ]
    await asyncio.sleep(0)  # every submit is pending
    await debouncer.flush()
    assert await asyncio.gather(*callers) == [20, 30, 20, 30]
    assert sorted(runs) == [("a", 2), ("b", 3)]
