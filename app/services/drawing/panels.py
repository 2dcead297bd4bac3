"""What a parent can do with one panel of a finished comic: redraw it, list its versions, restore one.

Redraw and restore are background steps (see revisions.py). The state check and the change run
inside the job's lock, like every other action, so a second revision cannot start while one runs.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Coroutine
from typing import Any
from uuid import UUID

from app.models.records import Job, Panel, PanelChange, PanelVersion
from app.models.states import JobStatus, JobStep
from app.models.transitions import move
from app.models.workflow import Action, ensure_allowed
from app.providers.moderation import Moderator
from app.services.drawing.revisions import find_panel, find_version, panel_history
from app.services.jobs.runner import JobRunner
from app.services.story.safety import ensure_safe
from app.storage.data_manager import DataManager

Step = Callable[[UUID], Coroutine[Any, Any, None]]


class PanelService:
    """Redraw, version listing and restore for the panels of finished comics."""

    def __init__(self, data: DataManager, runner: JobRunner, revise: Step, moderator: Moderator) -> None:
        self._data = data
        self._moderator = moderator
        self._runner = runner
        self._revise = revise

    async def redraw(self, job_id: UUID, panel_id: int, prompt: str | None, seed: int | None) -> Job:
        """Redraw one panel in the background, keeping its current picture as a version."""
        if prompt:  # image models draw text too: a parent's own prompt is screened like feedback
            await ensure_safe(self._moderator, [("the prompt", prompt)])
        # The seed is chosen now and kept, so that a redraw resumed after a crash asks for the same
        # picture and can find the request the first attempt made (see app/services/drawing/submissions.py).
        seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
        change = PanelChange(panel_id=panel_id, prompt=prompt, seed=seed)
        return await self._start(job_id, Action.REDRAW_PANEL, change, JobStep.REDRAWING_PANEL)

    async def restore(self, job_id: UUID, panel_id: int, version: int) -> Job:
        """Show an earlier version of a panel again, in the background (re-lettered, page recomposed)."""
        change = PanelChange(panel_id=panel_id, version=version)
        return await self._start(job_id, Action.SELECT_VERSION, change, JobStep.RESTORING_PANEL)

    async def versions(self, job_id: UUID, panel_id: int) -> tuple[Panel, list[PanelVersion]]:
        """A panel of the job and every picture it has had."""
        job = await self._data.get_job(job_id)
        ensure_allowed(job, Action.VIEW_RESULT)
        panel = find_panel(job, panel_id)
        return panel, panel_history(panel)

    async def _start(self, job_id: UUID, action: Action, change: PanelChange, step: JobStep) -> Job:
        def start(job: Job) -> None:
            ensure_allowed(job, action)
            panel = find_panel(job, change.panel_id)
            if change.version is not None:
                find_version(panel, change.version)
            job.pending_panel = change
            move(job, JobStatus.PROCESSING, step=step)

        job = await self._data.update_job(job_id, start)
        self._runner.start(job.id, self._revise(job.id))
        return job
