"""Live job updates: every stored change of a job is published to the clients watching it.

Each watcher holds a queue, and each stored change of its job is copied into it, so the number
open at once is capped (per job and in all, see Settings): a page opening streams in a loop, or
many tabs, cannot grow memory and the fan-out on every write without bound. A watch takes its
place when it is opened, before the response starts, so the refusal is a plain 429.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from uuid import UUID

from app.errors import LimitReached
from app.models.records import Job
from app.models.states import JobStatus
from app.storage.job_feed import JobWrite

# A watcher that falls this far behind only needs the newest state; older ones are dropped.
_BACKLOG = 64
_SETTLED = frozenset(JobStatus) - {JobStatus.PENDING, JobStatus.PROCESSING}


def _fingerprint(job: Job) -> tuple[object, ...]:
    return job.status, job.step, job.progress, len(job.panels), job.error


class Watch:
    """One client's place among a job's watchers: its changes, from opening until `close`."""

    def __init__(self, events: JobEvents, job_id: UUID) -> None:
        self._events = events
        self.job_id = job_id
        self.queue: asyncio.Queue[Job] = asyncio.Queue(maxsize=_BACKLOG)

    async def updates(
        self, load: Callable[[UUID], Awaitable[Job]], heartbeat: float = 15.0
    ) -> AsyncIterator[Job | None]:
        """The job now, then each visible change, until it settles; None marks a quiet `heartbeat`; then closes."""
        try:
            job = await load(self.job_id)  # after subscribing, so no change can slip between the two
            last = _fingerprint(job)
            yield job
            while job.status not in _SETTLED:
                try:
                    job = await asyncio.wait_for(self.queue.get(), heartbeat)
                except TimeoutError:
                    yield None
                    continue
                if _fingerprint(job) != last:
                    last = _fingerprint(job)
                    yield job
        finally:
            self.close()

    def close(self) -> None:
        """Give the place back (again: no effect)."""
        self._events.release(self)


class JobEvents:
    """An in-process fan-out of job changes to the clients watching them, fed by the store's `JobFeed`."""

    def __init__(self, per_job: int = 16, in_all: int = 256) -> None:
        self._per_job = per_job
        self._in_all = in_all
        self._watchers: dict[UUID, set[Watch]] = {}
        self._count = 0

    def publish(self, write: JobWrite) -> None:
        """A `JobFeed` subscriber: hand a freshly stored job to everyone watching it."""
        job = write.job
        for watch in self._watchers.get(job.id, ()):
            if watch.queue.full():
                watch.queue.get_nowait()
            watch.queue.put_nowait(job)

    def watch(self, job_id: UUID) -> Watch:
        """Start watching a job; raises LimitReached when the job, or the service, has all the watchers it may."""
        watchers = self._watchers.get(job_id, set())
        if len(watchers) >= self._per_job:
            raise LimitReached(f"this job already has {self._per_job} live-event streams open; close one first")
        if self._count >= self._in_all:
            raise LimitReached(f"the service already has {self._in_all} live-event streams open; try again later")
        watch = Watch(self, job_id)
        self._watchers.setdefault(job_id, watchers).add(watch)
        self._count += 1
        return watch

    def release(self, watch: Watch) -> None:
        """Forget `watch` (no effect when it is already forgotten)."""
        watchers = self._watchers.get(watch.job_id)
        if watchers is None or watch not in watchers:
            return
        watchers.discard(watch)
        self._count -= 1
        if not watchers:
            del self._watchers[watch.job_id]

    def open_count(self) -> int:
        """How many watches are open, over every job."""
        return self._count
