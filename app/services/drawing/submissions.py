"""Recording each panel's fal.ai request on its job: the intent before it is submitted, the id after.

A resumed job re-attaches to the requests recorded on its job, so a crash never makes it pay for
a picture twice. The intent covers the moment in between: a job that stopped after fal took a
request but before its id was written finds an intent with no id, and the provider looks the
request up instead of submitting again (`app/providers/fal_requests.py`).

Both writes sit on the way to every picture, so they are kept cheap: the panels of a job are
submitted together, and their changes share writes (each write takes every change that arrived
while the one before it ran) instead of waiting for six writes in a row behind the job's lock.
A call returns once a write that holds its change is on disk.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from uuid import UUID

from app.models.records import ImageIntent, Job
from app.services.jobs.runner import billed
from app.storage.data_manager import DataManager


class _NothingLeft(Exception):
    """An earlier write took this change along: nothing to write."""


class SubmissionLog:
    """Writes panels' request intents and ids onto their jobs, several in one write when they arrive together."""

    def __init__(self, data: DataManager) -> None:
        self._data = data
        self._unwritten: dict[UUID, list[Callable[[Job], None]]] = {}

    async def intend(self, job_id: UUID, scene_id: int, seed: int) -> None:
        """Store that panel `scene_id` is about to be requested with `seed`, in place of any earlier request."""

        def change(job: Job) -> None:
            job.image_intents[scene_id] = ImageIntent(seed=seed)  # timed as it is written: before the submit
            # A panel has one request in flight: an earlier one (it failed, or its picture was flagged)
            # is done with, and must not be resumed instead of looking for this one after a crash.
            job.image_requests.pop(scene_id, None)

        await self._write(job_id, change)

    async def remember(self, job_id: UUID, scene_id: int, request_id: str | None) -> None:
        """Store that panel `scene_id` of the job is request `request_id` (None: nothing was queued)."""

        def change(job: Job) -> None:
            job.image_intents.pop(scene_id, None)
            if request_id is not None:
                job.image_requests[scene_id] = request_id

        await self._write(job_id, change)

    async def _write(self, job_id: UUID, change: Callable[[Job], None]) -> None:
        unwritten = self._unwritten.setdefault(job_id, [])
        unwritten.append(change)

        def take(job: Job) -> None:
            if not unwritten:
                raise _NothingLeft
            for each in unwritten:
                each(job)
            unwritten.clear()

        # The job's lock orders the writes: when this one finds nothing left, the write that took
        # the change has already finished.
        with contextlib.suppress(_NothingLeft):  # update_job writes nothing when the change raises
            await self._data.update_job(job_id, billed(take))
        if not unwritten and self._unwritten.get(job_id) is unwritten:
            del self._unwritten[job_id]
