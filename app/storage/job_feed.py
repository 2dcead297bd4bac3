"""JobFeed: who hears of a job write once it is stored (the live `/events` streams, the step timer).

A class of its own so that the job store only keeps jobs: what a write means to others is the
subscribers' business, and they are told what they need instead of inferring it. Each write comes
with the state the job was in just before it, so a subscriber sees a move between statuses or
steps without comparing timestamps. The store publishes after the write is on disk and indexed,
still under the job's lock, so subscribers hear the writes of a job in the order they were made;
they run on the event loop inside that lock and must return quickly, never blocking or awaiting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from app.models.records import Job
from app.models.states import JobStatus, JobStep


@dataclass(frozen=True)
class JobState:
    """A job's status and step, and when it entered them (None when its history cannot tell)."""

    status: JobStatus
    step: JobStep
    since: datetime | None

    @classmethod
    def of(cls, job: Job) -> JobState:
        """Where `job` is now; `move` stamps each entry of `history`, so the latest says since when."""
        return cls(job.status, job.step, job.history[-1].at if job.history else None)


@dataclass(frozen=True)
class JobWrite:
    """One stored write: the job as it is now on disk, and its state just before (None for a new job)."""

    job: Job
    before: JobState | None

    @property
    def moved(self) -> bool:
        """Whether this write changed the job's status or step."""
        before, job = self.before, self.job
        return before is not None and (before.status, before.step) != (job.status, job.step)


Subscriber = Callable[[JobWrite], None]


class JobFeed:
    """An in-process fan-out of stored job writes, in the order they were stored."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> None:
        """Call `subscriber` with every job write stored from now on."""
        self._subscribers.append(subscriber)

    def publish(self, write: JobWrite) -> None:
        """Hand a stored write to every subscriber (the job store calls this, once per write)."""
        for subscriber in self._subscribers:
            subscriber(write)
