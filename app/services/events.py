"""Live job updates: every stored change of a job is published to the clients watching it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from uuid import UUID

from app.models.records import Job
from app.models.states import JobStatus

# A watcher that falls this far behind only needs the newest state; older ones are dropped.
_BACKLOG = 64
_SETTLED = frozenset(JobStatus) - {JobStatus.PENDING, JobStatus.PROCESSING}


def _fingerprint(job: Job) -> tuple[object, ...]:
    return job.status, job.step, job.progress, len(job.panels), job.error


class JobEvents:
    """An in-process fan-out of job changes, fed by `DataManager` after every write."""

    def __init__(self) -> None:
        self._watchers: dict[UUID, set[asyncio.Queue[Job]]] = {}

    def publish(self, job: Job) -> None:
        """Hand a freshly stored job to everyone watching it."""
        for queue in self._watchers.get(job.id, ()):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(job)

    async def watch(
        self, job_id: UUID, load: Callable[[UUID], Awaitable[Job]], heartbeat: float = 15.0
    ) -> AsyncIterator[Job | None]:
        """The job now, then each visible change, until it settles; None marks a quiet `heartbeat`."""
        queue: asyncio.Queue[Job] = asyncio.Queue(maxsize=_BACKLOG)
        self._watchers.setdefault(job_id, set()).add(queue)
        try:
            job = await load(job_id)  # after subscribing, so no change can slip between the two
            last = _fingerprint(job)
            yield job
            while job.status not in _SETTLED:
                try:
                    job = await asyncio.wait_for(queue.get(), heartbeat)
                except TimeoutError:
                    yield None
                    continue
                if _fingerprint(job) != last:
                    last = _fingerprint(job)
                    yield job
        finally:
            watchers = self._watchers.get(job_id, set())
            watchers.discard(queue)
            if not watchers:
                self._watchers.pop(job_id, None)
