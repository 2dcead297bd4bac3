"""Job writes on either store: each stored write is published with the state the job was in before
it, a write that does not happen is not published, and jobs left mid-step are found again."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.errors import JobNotFound
from app.models.records import Job
from app.models.states import JobStatus, JobStep
from app.storage.data_manager import DataManager
from app.storage.job_feed import JobState, JobWrite
from app.storage.stores import document_store
from tests.conftest import MakeSettings
from tests.utils.gates import mark_cancelled, store_panel
from tests.utils.stores import drawing_job

pytestmark = pytest.mark.anyio


def _listen(data: DataManager) -> list[JobWrite]:
    writes: list[JobWrite] = []
    data.feed.subscribe(writes.append)
    return writes


async def test_each_write_is_published_with_the_state_before_it(store_data: DataManager) -> None:
    writes = _listen(store_data)
    job = await store_data.create_job(drawing_job())
    await store_data.update_job(job.id, store_panel)
    cancelled = await store_data.update_job(job.id, mark_cancelled)

    assert [write.before for write in writes] == [
        None,  # a new job was nowhere before
        JobState(JobStatus.PROCESSING, JobStep.GENERATING_IMAGES, job.created_at),
        JobState(JobStatus.PROCESSING, JobStep.GENERATING_IMAGES, job.created_at),
    ]
    assert [write.moved for write in writes] == [False, False, True]
    assert writes[-1].job == cancelled == await store_data.get_job(job.id)


async def test_a_change_that_raises_stores_and_publishes_nothing(store_data: DataManager) -> None:
    writes = _listen(store_data)
    job = await store_data.create_job(drawing_job())

    def refuse(job: Job) -> None:
        store_panel(job)
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        await store_data.update_job(job.id, refuse)
    assert len(writes) == 1
    assert (await store_data.get_job(job.id)).panels == []


async def test_a_job_in_progress_is_peeked_from_memory_and_a_settled_one_from_disk(tmp_path: Path) -> None:
    data = DataManager(tmp_path / "data")  # the file store's memory of the jobs only it writes
    await data.open()
    job = await data.create_job(drawing_job())
    stored = await data.update_job(job.id, store_panel)
    assert await data.peek_job(job.id) is stored

    settled = await data.update_job(job.id, mark_cancelled)
    assert await data.peek_job(job.id) is not settled  # read again
    assert await data.peek_job(job.id) == settled


async def test_a_deleted_job_leaves_the_store_its_counts_and_memory(store_data: DataManager) -> None:
    job = await store_data.create_job(drawing_job())
    assert await store_data.job_counts() == {(JobStatus.PROCESSING, JobStep.GENERATING_IMAGES): 1}

    await store_data.documents.jobs.delete(job.id)
    await store_data.documents.jobs.delete(job.id)  # already gone: no error
    assert sum((await store_data.job_counts()).values()) == 0
    assert await store_data.list_jobs(None, 10, 0) == (0, [])
    with pytest.raises(JobNotFound):
        await store_data.peek_job(job.id)


async def test_jobs_left_mid_step_are_found_at_the_next_start(
    store_data: DataManager, make_settings: MakeSettings
) -> None:
    drawing = await store_data.create_job(drawing_job())
    await store_data.update_job((await store_data.create_job(drawing_job())).id, mark_cancelled)

    settings = make_settings()
    again = DataManager(settings.data_dir, documents=document_store(settings))
    try:
        assert [job.id for job in await again.open()] == [drawing.id]
        assert (await again.list_jobs(None, 10, 0))[0] == 2
    finally:
        await again.aclose()
