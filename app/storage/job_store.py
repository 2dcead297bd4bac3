"""JobStore: the file store's jobs: their documents, the index that lists them, and the jobs in progress kept in memory.

These three change together on every job write, so one class owns them: a write is stored, then
indexed, then kept in memory and handed to the caller's `stored` (which publishes it, see
`JobFeed`), all under the job's lock and all whole even when the writer is cancelled (see
`JsonStore.update`). Nothing else writes a job, which is what makes the memory copy of a job in
progress trustworthy (`peek`). It implements `documents.JobRecords`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from pathlib import Path
from uuid import UUID

from app.errors import CorruptDocument, JobNotFound
from app.models.records import Job
from app.models.states import JobStatus
from app.models.transitions import UNSETTLED
from app.storage.documents import JobCounts
from app.storage.job_index import JobHead, JobIndex
from app.storage.json_store import JsonStore

log = logging.getLogger("fable.jobs")


class JobStore:
    """Jobs in `DATA_DIR/jobs`: `page/counts` answered from the index in memory."""

    def __init__(self, folder: Path) -> None:
        self.documents = JsonStore(folder, Job, JobNotFound)
        # id, created_at, status and step of every job: enough to filter and page the job list without
        # reading every document on each request. Rebuilt at start-up, kept current on writes.
        self._index = JobIndex()
        # The last stored version of each job in progress (see `peek`); only this process changes them.
        self._live: dict[UUID, Job] = {}

    def prime(self) -> bool:
        """Begin `open`'s parsing in a child process, to overlap what the caller does next (see `head_primer`)."""
        return self.documents.prime(JobHead)

    async def open(self) -> None:
        """Index the stored jobs; only four fields of each are parsed, so start-up stays fast with thousands."""
        self._index.rebuild(await self.documents.scan(JobHead))

    async def unsettled(self) -> list[Job]:
        """The jobs stored as pending or processing (left mid-step by the last run, at start-up)."""
        found = []
        for job_id in self._index.with_status(*UNSETTLED):
            try:
                found.append(await self.get(job_id))
            except (JobNotFound, CorruptDocument) as exc:
                log.warning("job %s: cannot be recovered: %s", job_id, exc)
        return found

    async def create(self, job: Job, stored: Callable[[Job], None]) -> None:
        """Store a new job; raises Conflict when its id is taken."""
        await self.documents.create(str(job.id), job, lambda new: self._stored(new, stored))

    async def get(self, job_id: UUID) -> Job:
        """One job, read from disk; raises JobNotFound."""
        return await self.documents.get(str(job_id))

    async def peek(self, job_id: UUID) -> Job:
        """A job to look at, not to change: a job in progress as last stored, from memory; any other from disk.

        Clients poll the status of a job being drawn several times a second, and reading the
        document in a worker thread each time queued behind the drawing's own work.
        """
        return self._live.get(job_id) or await self.get(job_id)

    async def update(self, job_id: UUID, change: Callable[[Job], Job], stored: Callable[[Job], None]) -> Job:
        """Apply `change` to the job read under its lock, store it, then index it and hand it to `stored`.

        The job is read from disk for this change alone, so it is already the private copy; a deep
        copy here cost ~1 ms of event-loop time per update (one per stored panel).
        """
        return await self.documents.update(str(job_id), change, lambda job: self._stored(job, stored))

    def _stored(self, job: Job, stored: Callable[[Job], None]) -> None:
        self._index.put(job.id, job.created_at, job.status, job.step)
        if job.status in UNSETTLED:
            self._live[job.id] = job
        else:  # settled: read from disk again, where a document mended or broken by hand shows
            self._live.pop(job.id, None)
        stored(job)

    async def delete(self, job_id: UUID) -> None:
        """Remove a job if it is stored, and forget it either way."""
        with contextlib.suppress(JobNotFound):
            await self.documents.delete(str(job_id))
        self._index.remove(job_id)
        self._live.pop(job_id, None)

    async def counts(self) -> JobCounts:
        """Jobs per (status, step), from the index in memory: no disk access."""
        return self._index.counts()

    async def page(self, status: JobStatus | None, limit: int, offset: int) -> tuple[int, list[Job]]:
        """A page of jobs, newest first, optionally of one status; also returns the total count."""
        total, ids = self._index.page(status, limit, offset)
        jobs = []
        for job_id, found in zip(ids, await self.documents.get_many([str(job_id) for job_id in ids]), strict=True):
            if isinstance(found, Job):
                jobs.append(found)
            elif isinstance(found, CorruptDocument):  # reported, never allowed to break the listing
                log.warning("job %s: skipped in listing: %s", job_id, found)
            # else: not found, i.e. deleted between indexing and reading
        return total, jobs
