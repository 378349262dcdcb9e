"""bench.py: the performance page is the rendering of the committed JSON, and the machinery works."""

import json
import os

import bench
import bench_cases
import bench_lib
import pytest
import servers


@pytest.fixture(scope="module")
def committed() -> dict:
    return json.loads(bench.RESULTS.read_text(encoding="utf-8"))


def test_the_committed_page_is_the_rendering_of_the_committed_json():
    assert bench.PAGE.read_text(encoding="utf-8") == bench.render_page(), "run scripts/bench.py --render"


def test_rendering_depends_on_the_record_alone(committed, monkeypatch):
    first = bench_lib.render(committed, bench.texts())
    monkeypatch.setattr(bench_lib, "machine", lambda: pytest.fail("render must not look at this machine"))
    monkeypatch.setattr(bench_lib, "versions", lambda: pytest.fail("render must not look at versions"))
    assert bench_lib.render(json.loads(json.dumps(committed)), bench.texts()) == first


def test_the_record_names_the_machine_the_versions_and_every_case(committed):
    assert committed["generator"] == "scripts/bench.py"
    assert isinstance(committed["quick"], bool) and committed["date"].endswith("UTC")
    assert committed["seconds"] > 0
    assert {"cpu_count", "cpu", "platform", "python"} <= committed["machine"].keys()
    assert {"fastapi", "starlette", "uvicorn", "httpx", "anyio"} <= committed["versions"].keys()
    assert list(committed["cases"]) == list(bench.REGISTRY), "rerun the benchmark after adding a case"
    assert {case["status"] for case in committed["cases"].values()} <= {"measured", "skipped"}


def test_every_figure_has_a_unit_and_its_repeats(committed):
    measured = {name: case for name, case in committed["cases"].items() if case["status"] == "measured"}
    assert measured
    for name, case in measured.items():
        quick_repeats = bench.REGISTRY[name].quick.get("repeats", bench.QUICK_REPEATS)
        expected_repeats = quick_repeats if committed["quick"] else bench.FULL_REPEATS
        assert case["setup"] and case["columns"]
        for row in case["rows"]:
            assert row["values"] and set(row["values"]) <= set(case["columns"])
            for figure in row["values"].values():
                assert isinstance(figure["value"], int | float) and isinstance(figure["unit"], str)
                if figure["repeats"]:  # measured, not a computed bound
                    assert figure["repeats"] == len(figure["samples"]) == expected_repeats


def test_the_committed_figures_keep_every_claimed_direction(committed):
    for name, result in committed["cases"].items():
        assert bench.broken_claims(name, result) == []


def test_a_broken_direction_is_reported(committed):
    result = json.loads(json.dumps(committed["cases"]["blocking"]))
    rows = {row["id"]: row for row in result["rows"]}
    rows["wrong"]["values"], rows["async"]["values"] = rows["async"]["values"], rows["wrong"]["values"]
    broken = bench.broken_claims("blocking", result)
    assert "blocking: wrong.total is not above 5 x async.total" in broken
    assert "blocking: wrong.probe is not above 5 x async.probe" in broken


def test_a_case_whose_snippet_is_missing_is_skipped_with_a_reason(monkeypatch):
    async def never_run(**params):
        pytest.fail("a case with a missing snippet must not run")

    entry = bench.Case("missing", "Missing", "Never shown.", ("nowhere/app.py",), never_run)
    monkeypatch.setitem(bench.REGISTRY, "missing", entry)
    result = bench.run_case("missing")
    assert result == {"status": "skipped", "reason": "`snippets/nowhere/app.py` is not in this checkout"}
    page = bench_lib.render({**_record(), "cases": {"missing": result}}, bench.texts())
    assert "## Missing\n\nNot measured in this run: `snippets/nowhere/app.py` is not" in page


def test_blocking_case_runs_end_to_end_and_keeps_the_direction():
    result = bench.run_case("blocking", repeats=1, requests=4, wait=0.1)
    assert result["status"] == "measured"
    rows = {row["id"]: row for row in result["rows"]}
    assert rows["wrong"]["snippet"] == "async_vs_sync/wrong_blocking_in_async.py /report"
    awaited, blocked = rows["async"]["values"], rows["wrong"]["values"]
    # Four blocking waits of 0.1 s in a row take at least 0.4 s; four awaited waits overlap.
    assert blocked["total"]["value"] > 2 * awaited["total"]["value"]
    assert blocked["probe"]["value"] > 2 * awaited["probe"]["value"]
    assert rows["ideal"]["values"]["total"] == {"value": 0.1, "unit": "s", "repeats": 0}


async def test_the_upstream_counts_connections_and_load_reuses_them():
    async with bench_lib.upstream(b'{"ok": true}') as upstream:
        await bench_lib.steady_load(upstream.url + "/x", total=9, concurrency=3)
        assert upstream.connections_opened == 3  # one per caller, kept alive across requests
        await bench_lib.burst(upstream.url + "/x", 4)
        assert upstream.connections_opened == 7  # a burst opens one connection per request


async def test_statuses_counts_a_request_that_got_no_answer_as_zero():
    assert await bench_lib.statuses(f"http://127.0.0.1:{servers.free_port()}/", 3) == {0: 3}


def test_peak_memory_is_read_for_a_process():
    assert 1 < bench_cases.peak_rss_mb(os.getpid()) < 100_000


async def test_broadcast_measure_sees_every_message_when_the_server_keeps_up():
    with bench_cases.serve("websockets/broadcast.py") as app:
        url = app.replace("http", "ws", 1) + "/ws/lobby"
        received, after = await bench_cases.broadcast_once(url, count=5, size=1024, window=10)
    assert received == 5 and after is not None


def _record() -> dict:
    machine = {"cpu_count": 2, "cpu": "test", "platform": "test", "python": "3", "implementation": "CPython"}
    return {"quick": True, "date": "2026-01-01 00:00 UTC", "seconds": 1, "machine": machine, "versions": {}}
