"""Recording the fal.ai request id of every panel in flight, as soon as fal.ai answers.

A resumed job re-attaches to the requests recorded on its job, so a crash never makes it pay for
a picture twice, except for a request fal.ai had taken but whose id was not on disk yet. That
window is kept short: the panels of a job are submitted together, and their ids share writes
(each write takes every id that arrived while the one before it ran) instead of waiting for six
writes in a row behind the job's lock.
"""

from __future__ import annotations

import contextlib
from uuid import UUID

from app.models.records import Job
from app.storage.data_manager import DataManager


class _NothingLeft(Exception):
    """An earlier write took this id along: nothing to write."""


class SubmissionLog:
    """Writes panels' request ids onto their jobs, several in one write when they arrive together."""

    def __init__(self, data: DataManager) -> None:
        self._data = data
        self._unwritten: dict[UUID, dict[int, str]] = {}

    async def remember(self, job_id: UUID, scene_id: int, request_id: str) -> None:
        """Store that panel `scene_id` of the job is fal.ai request `request_id`."""
        unwritten = self._unwritten.setdefault(job_id, {})
        unwritten[scene_id] = request_id

        def take(job: Job) -> None:
            if not unwritten:
                raise _NothingLeft
            job.image_requests.update(unwritten)
            unwritten.clear()

        with contextlib.suppress(_NothingLeft):  # update_job writes nothing when the change raises
            await self._data.update_job(job_id, take)
        if not unwritten and self._unwritten.get(job_id) is unwritten:
            del self._unwritten[job_id]
