"""The in-memory job index: newest first, filtered by status, paged, counted by status and step, kept current."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from app.models.states import JobStatus, JobStep
from app.storage.job_index import JobHead, JobIndex

T0 = datetime(2026, 1, 1, tzinfo=UTC)
DONE, DRAWING, REVIEW = JobStep.COMPLETED, JobStep.GENERATING_IMAGES, JobStep.SCENE_REVIEW


def _index(statuses: list[JobStatus]) -> tuple[JobIndex, list[UUID]]:
    """An index of jobs created one minute apart, oldest first; returns it and their ids."""
    heads = [
        JobHead(id=uuid4(), created_at=T0 + timedelta(minutes=i), status=s, step=DONE) for i, s in enumerate(statuses)
    ]
    index = JobIndex()
    index.rebuild(list(reversed(heads)))  # the order of the scan must not matter
    return index, [head.id for head in heads]


def test_pages_are_newest_first() -> None:
    index, ids = _index([JobStatus.COMPLETED] * 5)
    newest_first = ids[::-1]
    assert index.page(None, 2, 0) == (5, newest_first[:2])
    assert index.page(None, 2, 4) == (5, newest_first[4:])
    assert index.page(None, 2, 5) == (5, [])
    assert index.page(None, 10, 0) == (5, newest_first)


def test_status_filter_counts_and_pages() -> None:
    done, failed = JobStatus.COMPLETED, JobStatus.FAILED
    index, ids = _index([done, failed, done, failed, done])
    assert index.page(failed, 10, 0) == (2, [ids[3], ids[1]])
    assert index.page(done, 1, 1) == (3, [ids[2]])
    assert index.page(JobStatus.PROCESSING, 10, 0) == (0, [])


def test_put_adds_new_jobs_and_updates_status_in_place() -> None:
    index, ids = _index([JobStatus.PROCESSING, JobStatus.PROCESSING])
    newest = uuid4()
    index.put(newest, T0 + timedelta(hours=1), JobStatus.PROCESSING, DRAWING)
    index.put(ids[0], T0 + timedelta(days=9), JobStatus.COMPLETED, DONE)  # a status change keeps the creation time
    assert index.page(None, 10, 0) == (3, [newest, ids[1], ids[0]])
    assert index.with_status(JobStatus.PROCESSING) == [ids[1], newest]
    assert index.page(JobStatus.COMPLETED, 10, 0) == (1, [ids[0]])


def test_remove_forgets_a_job_and_ignores_unknown_ones() -> None:
    index, ids = _index([JobStatus.COMPLETED] * 3)
    index.remove(ids[1])
    index.remove(uuid4())
    assert len(index) == 2
    assert index.page(None, 10, 0) == (2, [ids[2], ids[0]])


def test_jobs_created_at_the_same_instant_keep_a_stable_order() -> None:
    index = JobIndex()
    same = [uuid4() for _ in range(4)]
    for job_id in same:
        index.put(job_id, T0, JobStatus.COMPLETED, DONE)
    assert index.page(None, 10, 0)[1] == sorted(same, reverse=True)


def test_counts_by_status_and_step_follow_puts_and_removes() -> None:
    index, ids = _index([JobStatus.COMPLETED] * 2)
    assert index.counts() == {(JobStatus.COMPLETED, DONE): 2}
    new = uuid4()
    index.put(new, T0 + timedelta(hours=1), JobStatus.REQUIRES_ACTION, REVIEW)
    index.put(new, T0 + timedelta(hours=1), JobStatus.PROCESSING, DRAWING)  # a step change moves it
    index.remove(ids[0])
    index.remove(uuid4())  # unknown: changes nothing
    # A pair once seen stays at 0, so its metric series does not vanish between scrapes.
    assert index.counts() == {
        (JobStatus.COMPLETED, DONE): 1,
        (JobStatus.REQUIRES_ACTION, REVIEW): 0,
        (JobStatus.PROCESSING, DRAWING): 1,
    }
