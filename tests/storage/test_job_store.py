"""The job store: each stored write is indexed, kept in memory while the job is in progress, and
published with the state the job was in before it; a write that does not happen is not published."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.errors import JobNotFound
from app.models.records import Job
from app.models.states import JobStatus, JobStep
from app.storage.job_feed import JobFeed, JobState, JobWrite
from app.storage.job_store import JobStore
from tests.utils.gates import mark_cancelled, store_panel
from tests.utils.stores import drawing_job

pytestmark = pytest.mark.anyio


async def _store(tmp_path: Path) -> tuple[JobStore, list[JobWrite]]:
    feed = JobFeed()
    writes: list[JobWrite] = []
    feed.subscribe(writes.append)
    (tmp_path / "jobs").mkdir()
    store = JobStore(tmp_path / "jobs", feed)
    await store.open()
    return store, writes


async def test_each_write_is_published_with_the_state_before_it(tmp_path: Path) -> None:
    store, writes = await _store(tmp_path)
    job = await store.create(drawing_job())
    await store.update(job.id, store_panel)
    cancelled = await store.update(job.id, mark_cancelled)

    assert [write.before for write in writes] == [
        None,  # a new job was nowhere before
        JobState(JobStatus.PROCESSING, JobStep.GENERATING_IMAGES, job.created_at),
        JobState(JobStatus.PROCESSING, JobStep.GENERATING_IMAGES, job.created_at),
    ]
    assert [write.moved for write in writes] == [False, False, True]
    assert writes[-1].job == cancelled == await store.get(job.id)


async def test_a_change_that_raises_stores_and_publishes_nothing(tmp_path: Path) -> None:
    store, writes = await _store(tmp_path)
    job = await store.create(drawing_job())

    def refuse(job: Job) -> None:
        store_panel(job)
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        await store.update(job.id, refuse)
    assert len(writes) == 1
    assert (await store.get(job.id)).panels == []


async def test_a_job_in_progress_is_peeked_from_memory_and_a_settled_one_from_disk(tmp_path: Path) -> None:
    store, _ = await _store(tmp_path)
    job = await store.create(drawing_job())
    stored = await store.update(job.id, store_panel)
    assert await store.peek(job.id) is stored

    settled = await store.update(job.id, mark_cancelled)
    assert await store.peek(job.id) is not settled  # read again
    assert await store.peek(job.id) == settled


async def test_a_deleted_job_leaves_the_disk_the_index_and_memory(tmp_path: Path) -> None:
    store, _ = await _store(tmp_path)
    job = await store.create(drawing_job())
    assert store.counts() == {(JobStatus.PROCESSING, JobStep.GENERATING_IMAGES): 1}

    await store.delete(job.id)
    await store.delete(job.id)  # already gone: no error
    assert store.counts() == {(JobStatus.PROCESSING, JobStep.GENERATING_IMAGES): 0}
    assert await store.page(None, 10, 0) == (0, [])
    with pytest.raises(JobNotFound):
        await store.peek(job.id)


async def test_jobs_left_mid_step_are_found_at_the_next_start(tmp_path: Path) -> None:
    store, _ = await _store(tmp_path)
    drawing = await store.create(drawing_job())
    await store.update((await store.create(drawing_job())).id, mark_cancelled)

    again = JobStore(tmp_path / "jobs", JobFeed())
    await again.open()
    assert [job.id for job in await again.unsettled()] == [drawing.id]
    assert (await again.page(None, 10, 0))[0] == 2
