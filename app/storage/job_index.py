"""The in-memory index of jobs that pages `GET /jobs` without reading every document per request.

It holds four small facts per job (id, creation time, status, step), ordered by creation time. It
is rebuilt at start-up from `JobHead`s (those fields parsed out of each job document, which is
several times cheaper than parsing whole jobs) and kept current on every write. It also keeps how
many jobs are at each status and step, so that a metrics scrape reads a few numbers instead of
walking every job.
"""

from __future__ import annotations

import bisect
from collections import Counter
from datetime import datetime
from uuid import UUID

from pydantic import BaseModel

from app.models.states import JobStatus, JobStep


class JobHead(BaseModel):
    """The fields of a stored job that the index needs; the rest of the document is skipped."""

    id: UUID
    created_at: datetime
    status: JobStatus
    step: JobStep


class JobIndex:
    """Job ids newest first, with their status and step."""

    def __init__(self) -> None:
        self._status: dict[UUID, JobStatus] = {}
        # Kept apart from `_status` so that paging by status, the hot path of `GET /jobs?status=`, is unchanged.
        self._step: dict[UUID, JobStep] = {}
        # (status, step) -> jobs there; a pair once seen stays, at 0, so its metric series does not vanish.
        self._tally: Counter[tuple[JobStatus, JobStep]] = Counter()
        self._key: dict[UUID, tuple[float, UUID]] = {}
        # Ascending (created timestamp, id); floats compare far faster than aware datetimes.
        self._order: list[tuple[float, UUID]] = []

    def rebuild(self, heads: list[JobHead]) -> None:
        """Replace the whole index."""
        self._status = {head.id: head.status for head in heads}
        self._step = {head.id: head.step for head in heads}
        self._tally = Counter((head.status, head.step) for head in heads)
        self._key = {head.id: (head.created_at.timestamp(), head.id) for head in heads}
        self._order = sorted(self._key.values())

    def put(self, job_id: UUID, created_at: datetime, status: JobStatus, step: JobStep) -> None:
        """Add a job or record its new status and step."""
        if job_id not in self._key:
            key = (created_at.timestamp(), job_id)
            self._key[job_id] = key
            bisect.insort(self._order, key)  # a new job is the newest: this appends
        else:
            self._tally[self._status[job_id], self._step[job_id]] -= 1
        self._status[job_id] = status
        self._step[job_id] = step
        self._tally[status, step] += 1

    def remove(self, job_id: UUID) -> None:
        """Forget a job (no error when it is unknown)."""
        key = self._key.pop(job_id, None)
        status, step = self._status.pop(job_id, None), self._step.pop(job_id, None)
        if key is not None:
            del self._order[bisect.bisect_left(self._order, key)]
        if status is not None and step is not None:
            self._tally[status, step] -= 1

    def counts(self) -> dict[tuple[JobStatus, JobStep], int]:
        """How many jobs are at each (status, step) seen since start-up, zeros included."""
        return dict(self._tally)

    def page(self, status: JobStatus | None, limit: int, offset: int) -> tuple[int, list[UUID]]:
        """Ids of one page, newest first, optionally of one status; and how many match in all."""
        if status is None:
            end = max(len(self._order) - offset, 0)
            chosen = self._order[max(end - limit, 0) : end]
            return len(self._order), [job_id for _, job_id in reversed(chosen)]
        total, ids = 0, []
        for _, job_id in reversed(self._order):
            if self._status[job_id] == status:
                if offset <= total < offset + limit:
                    ids.append(job_id)
                total += 1
        return total, ids

    def __len__(self) -> int:
        return len(self._order)

    def with_status(self, *statuses: JobStatus) -> list[UUID]:
        """Every job id in one of `statuses`, oldest first."""
        return [job_id for _, job_id in self._order if self._status[job_id] in statuses]
