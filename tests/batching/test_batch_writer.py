"""BatchWriter alone (snippets/batching/batch_writer.py), on a pool that records what it is asked to COPY."""

import asyncio

import pytest


class RecordingPool:
    def __init__(self, fail_first: int = 0) -> None:
        self.batches, self.fail_first = [], fail_first

    async def copy_records_to_table(self, table, *, records, columns, **options):
        assert (table, columns) == ("page_views", ["path", "user_id"]) and options["timeout"] > 0
        if self.fail_first:
            self.fail_first -= 1
            raise ConnectionError("copy failed")
        self.batches.append(list(records))


@pytest.fixture
def batch_writer(load_snippet):
    return load_snippet("batching/batch_writer.py")


async def test_batches_never_exceed_max_size_and_closing_writes_the_rest(batch_writer):
    """Also closed before the flusher task first ran: the rows are written all the same."""
    pool = RecordingPool()
    async with batch_writer.BatchWriter(pool, max_size=3, max_delay=3600, max_pending=100) as writer:
        for n in range(7):
            writer.add(("/p", n))
    assert [len(batch) for batch in pool.batches] == [3, 3, 1]
    assert [row[1] for batch in pool.batches for row in batch] == list(range(7))


async def test_a_full_buffer_and_a_closed_writer_refuse_rows(batch_writer):
    pool = RecordingPool()
    async with batch_writer.BatchWriter(pool, max_size=100, max_delay=3600, max_pending=2) as writer:
        writer.add(("/a", 1))
        writer.add(("/b", 2))
        with pytest.raises(batch_writer.BufferFull):
            writer.add(("/c", 3))
    with pytest.raises(batch_writer.BufferFull):
        writer.add(("/d", 4))
    assert pool.batches == [[("/a", 1), ("/b", 2)]]


async def test_a_failed_batch_is_dropped_and_the_flusher_keeps_going(batch_writer, caplog):
    pool = RecordingPool(fail_first=1)
    async with asyncio.timeout(20):
        async with batch_writer.BatchWriter(pool, max_size=1, max_delay=3600, max_pending=10) as writer:
            writer.add(("/lost", 1))
            writer.add(("/kept", 2))
    assert pool.batches == [[("/kept", 2)]]
    assert "dropped a batch of 1 page views" in caplog.text
