import asyncio

import asyncpg
import pytest


@pytest.fixture
def batches(monkeypatch):
    """Record the size of every batch written (after the write succeeded)."""

    def install(module):
        sizes = []
        original = module.BatchWriter._write

        async def recording_write(self, batch):
            await original(self, batch)
            sizes.append(len(batch))

        monkeypatch.setattr(module.BatchWriter, "_write", recording_write)
        return sizes

    return install


async def rows(database_url):
    connection = await asyncpg.connect(database_url)
    try:
        return [
            tuple(r) for r in await connection.fetch("SELECT path, user_id FROM page_views ORDER BY user_id")
        ]
    finally:
        await connection.close()


def views(count):
    return [{"path": f"/p/{n}", "user_id": n} for n in range(count)]


async def test_a_full_batch_is_written_without_waiting_for_the_timer(
    load_snippet, asgi_client, database_url, batches, eventually
):
    module = load_snippet(
        "batching/write_batcher.py", DATABASE_URL=database_url, BATCH_MAX_SIZE="5", BATCH_MAX_DELAY="3600"
    )
    sizes = batches(module)
    async with asgi_client(module.app) as client:
        for view in views(12):
            assert (await client.post("/views", json=view)).status_code == 202
        # the timer is an hour away, so whatever is written now went out because a batch filled up;
        # how many rows that is depends on how requests and the flusher interleave (5 to 12)
        await eventually(lambda: sum(sizes) >= 5)
        assert len(await rows(database_url)) >= 5
    assert len(await rows(database_url)) == 12
    assert max(sizes) <= 5 and sum(sizes) == 12


async def test_a_partial_batch_is_written_when_the_timer_fires(
    load_snippet, asgi_client, database_url, batches, eventually
):
    module = load_snippet(
        "batching/write_batcher.py", DATABASE_URL=database_url, BATCH_MAX_SIZE="1000", BATCH_MAX_DELAY="0.05"
    )
    sizes = batches(module)
    async with asgi_client(module.app) as client:
        for view in views(3):
            await client.post("/views", json=view)
        await eventually(lambda: sum(sizes) == 3)  # far below the size limit: only the timer can flush
        assert await rows(database_url) == [("/p/0", 0), ("/p/1", 1), ("/p/2", 2)]


async def test_shutdown_writes_everything_still_buffered(load_snippet, asgi_client, database_url, batches):
    module = load_snippet(
        "batching/write_batcher.py", DATABASE_URL=database_url, BATCH_MAX_SIZE="4", BATCH_MAX_DELAY="3600"
    )
    sizes = batches(module)
    async with asgi_client(module.app) as client:
        responses = await asyncio.gather(*(client.post("/views", json=view) for view in views(3)))
        assert [r.status_code for r in responses] == [202] * 3
        assert sizes == []  # below the size limit and the timer is an hour away: nothing written yet
    assert await rows(database_url) == [("/p/0", 0), ("/p/1", 1), ("/p/2", 2)]
    assert sizes == [3]


async def test_a_full_buffer_answers_503_and_keeps_what_it_accepted(load_snippet, asgi_client, database_url):
    module = load_snippet(
        "batching/write_batcher.py",
        DATABASE_URL=database_url,
        BATCH_MAX_SIZE="1000",
        BATCH_MAX_DELAY="3600",
        BATCH_MAX_PENDING="3",
    )
    async with asgi_client(module.app) as client:
        accepted = [await client.post("/views", json=view) for view in views(3)]
        rejected = await client.post("/views", json={"path": "/late", "user_id": 99})
    assert [r.status_code for r in accepted] == [202] * 3
    assert rejected.status_code == 503 and rejected.headers["retry-after"] == "1"
    assert len(await rows(database_url)) == 3


async def test_bad_input_is_rejected_before_it_reaches_the_buffer(load_snippet, asgi_client, database_url):
    module = load_snippet("batching/write_batcher.py", DATABASE_URL=database_url, BATCH_MAX_DELAY="3600")
    async with asgi_client(module.app) as client:
        bad = await client.post("/views", json={"path": "", "user_id": -1})
        good = await client.post("/views", json={"path": "/ok", "user_id": 1})
    assert bad.status_code == 422 and good.status_code == 202
    assert await rows(database_url) == [("/ok", 1)]


async def test_a_failed_batch_is_logged_and_the_flusher_keeps_going(
    load_snippet, asgi_client, database_url, batches, eventually, caplog
):
    module = load_snippet(
        "batching/write_batcher.py", DATABASE_URL=database_url, BATCH_MAX_SIZE="1", BATCH_MAX_DELAY="3600"
    )
    sizes = batches(module)
    async with asgi_client(module.app) as client:
        admin = await asyncpg.connect(database_url)
        try:
            await admin.execute("ALTER TABLE page_views ADD CONSTRAINT small_ids CHECK (user_id < 1000)")
        finally:
            await admin.close()
        await client.post("/views", json={"path": "/rejected-by-the-database", "user_id": 5000})
        await eventually(lambda: "dropped a batch of 1 page views" in caplog.text)
        await client.post("/views", json={"path": "/after", "user_id": 1})
        await eventually(lambda: sizes == [1])
    assert await rows(database_url) == [("/after", 1)]
