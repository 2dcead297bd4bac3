"""The fan-out of job changes: caps per job and in all, places given back once, changes in order."""

from __future__ import annotations

import pytest

from app.errors import LimitReached
from app.models.records import Job, Providers
from app.models.states import AgeGroup, JobStatus
from app.services.jobs.events import JobEvents
from app.storage.job_feed import JobWrite

pytestmark = pytest.mark.anyio


def _job() -> Job:
    return Job(topic="sharing toys", age_group=AgeGroup.YOUNG, seed=1, providers=Providers(text="t"))


def test_caps_per_job_and_in_all() -> None:
    events = JobEvents(per_job=2, in_all=3)
    one, two = _job(), _job()
    first = [events.watch(one.id), events.watch(one.id)]
    with pytest.raises(LimitReached, match="this job already has 2"):
        events.watch(one.id)
    events.watch(two.id)
    with pytest.raises(LimitReached, match="the service already has 3"):
        events.watch(two.id)
    first[0].close()
    first[0].close()  # closing twice gives back one place, not two
    assert events.open_count() == 2
    events.watch(two.id)
    with pytest.raises(LimitReached):
        events.watch(two.id)


async def test_a_watch_sees_the_job_then_its_changes_and_frees_its_place() -> None:
    events = JobEvents()
    job = _job()
    watch = events.watch(job.id)
    seen = []

    async def load(job_id: object) -> Job:
        # Changes published between subscribing and the first read are kept for the stream.
        events.publish(JobWrite(job.model_copy(update={"progress": 40}), None))
        events.publish(JobWrite(job.model_copy(update={"status": JobStatus.CANCELLED}), None))
        return job

    async for update in watch.updates(load):
        assert update is not None
        seen.append((update.status, update.progress))
    assert seen == [(JobStatus.PENDING, 0), (JobStatus.PENDING, 40), (JobStatus.CANCELLED, 0)]
    assert events.open_count() == 0
