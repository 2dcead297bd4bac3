"""The workflow the routes and the CLI drive: checks the state, changes it, hands long work off.

Every change happens inside `DataManager.update_job`, under the job's lock, and the state check
runs inside that same change, so two racing requests cannot both pass it.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Coroutine
from typing import Any
from uuid import UUID

from app.errors import ComicNotFound, Conflict, InvalidRequest, InvalidState, SceneNotFound
from app.models.records import CharacterChoice, Comic, Job, Providers, Scene, SceneFeedback
from app.models.states import AgeGroup, JobStatus, JobStep
from app.models.transitions import move
from app.models.workflow import STEP_PROGRESS, Action, ensure_allowed
from app.providers.moderation import Moderator
from app.services.cast.characters import CharacterLibrary
from app.services.cast.references import ReferenceService
from app.services.drawing.panels import PanelService
from app.services.jobs.pipeline import Pipeline
from app.services.jobs.runner import JobRunner
from app.services.story.safety import ensure_safe
from app.storage.critical import run_to_end
from app.storage.data_manager import DataManager
from master_prompts import DEFAULT_STYLE, STYLES

log = logging.getLogger("fable.jobs")

MAX_REFINE_ROUNDS = 5


class ComicService:
    """One method per thing a parent can do with a comic job."""

    def __init__(
        self,
        data: DataManager,
        runner: JobRunner,
        pipeline: Pipeline,
        library: CharacterLibrary,
        providers: Providers,
        moderator: Moderator,
        references: ReferenceService,
    ) -> None:
        self.data = data
        self._moderator = moderator
        self.library = library
        self.references = references
        self._runner = runner
        self._pipeline = pipeline
        self._providers = providers
        self.panels = PanelService(data, runner, pipeline.revise_panel, moderator)
        self.preparer = pipeline.preparer
        # Which pipeline step to (re-)enter for a job stopped in a given processing step.
        self._steps: dict[JobStep, Callable[[UUID], Coroutine[Any, Any, None]]] = {
            JobStep.GENERATING_SCENES: pipeline.write_scenes,
            JobStep.REFINING_SCENES: pipeline.rewrite_scenes,
            JobStep.GENERATING_IMAGES: pipeline.draw_panels,
            JobStep.REDRAWING_PANEL: pipeline.revise_panel,
            JobStep.RESTORING_PANEL: pipeline.revise_panel,
        }

    async def recover(self, jobs: list[Job], resume: bool = False) -> None:
        """Mark jobs that were mid-step when the process stopped as interrupted, and resume them if asked."""
        for job in jobs:
            if job.status in (JobStatus.PENDING, JobStatus.PROCESSING) and not self._runner.is_running(job.id):

                def interrupt(job: Job) -> None:
                    move(
                        job,
                        JobStatus.INTERRUPTED,
                        error="the service stopped while this step was running; retry to resume",
                    )

                await self.data.update_job(job.id, interrupt)
                if resume:
                    await self.retry(job.id)

    async def create(
        self, topic: str, age_group: AgeGroup, characters: list[CharacterChoice] | None = None, panel_count: int = 6
    ) -> Job:
        """Start a job: `panel_count` scenes are written in the background, for the given cast if any."""
        cast = await self.library.cast(characters) if characters else []
        await ensure_safe(self._moderator, [("the topic", topic)])  # before anything is stored or paid for
        job = Job(
            topic=topic,
            age_group=age_group,
            panel_count=panel_count,
            selection=characters or [],
            characters=cast,
            seed=random.SystemRandom().randrange(2**31),
            providers=self._providers,
            status=JobStatus.PROCESSING,
            step=JobStep.GENERATING_SCENES,
            progress=STEP_PROGRESS[JobStep.GENERATING_SCENES],
        )
        await self.data.create_job(job)
        self._runner.start(job.id, self._pipeline.write_scenes(job.id))
        # The cast is known now: its references are drawn while the scenes are written and reviewed,
        # in the default style (the style is chosen at generate, which draws any other one then).
        self.references.prepare(cast, DEFAULT_STYLE, job.id)
        return job

    async def get(self, job_id: UUID) -> Job:
        """One job."""
        return await self.data.get_job(job_id)

    async def status(self, job_id: UUID) -> Job:
        """One job, to read its status from: a job in progress comes from memory (see `DataManager.peek_job`)."""
        return await self.data.peek_job(job_id)

    async def refine(self, job_id: UUID, feedback: list[SceneFeedback]) -> Job:
        """Rewrite the scenes named in `feedback` in the background; an empty list approves them."""
        if not feedback:
            return self._prepare_if_cast(await self._change(job_id, Action.APPROVE, _approve))
        ids = [item.scene_id for item in feedback]
        if len(set(ids)) != len(ids):
            raise InvalidRequest("give each scene's feedback once")
        await ensure_safe(self._moderator, [(f"the feedback on scene {f.scene_id}", f.feedback) for f in feedback])

        def start(job: Job) -> None:
            known = {scene.scene_id for scene in job.scenes}
            if unknown := sorted(set(ids) - known):
                raise InvalidRequest(f"no scene(s) {unknown}; scene ids are {sorted(known)}")
            if job.refine_rounds >= MAX_REFINE_ROUNDS:
                raise Conflict(f"scenes were already refined {MAX_REFINE_ROUNDS} times; edit them by hand instead")
            job.pending_feedback = feedback
            move(job, JobStatus.PROCESSING, step=JobStep.REFINING_SCENES)

        job = await self._change(job_id, Action.REFINE, start)
        self.preparer.drop(job.id)  # written for the scenes about to be rewritten
        self._runner.start(job.id, self._pipeline.rewrite_scenes(job.id))
        return job

    async def edit_scene(self, job_id: UUID, scene_id: int, changes: dict[str, Any]) -> Scene:
        """Change some fields of one scene by hand."""
        await ensure_safe(self._moderator, _edited_texts(scene_id, changes))

        def edit(job: Job) -> None:
            for index, scene in enumerate(job.scenes):
                if scene.scene_id == scene_id:
                    job.scenes[index] = scene.model_copy(update=changes)
                    return
            raise SceneNotFound(f"the job has no scene {scene_id}")

        job = self._prepare_if_cast(await self._change(job_id, Action.EDIT_SCENE, edit))
        return next(scene for scene in job.scenes if scene.scene_id == scene_id)

    async def select_characters(self, job_id: UUID, choices: list[CharacterChoice]) -> Job:
        """Cast the comic; this also approves the scenes. Then the job is ready to generate."""
        cast = await self.library.cast(choices)

        def select(job: Job) -> None:
            job.selection = choices
            job.characters = cast
            move(job, JobStatus.REQUIRES_ACTION, step=JobStep.COMIC_GENERATION)

        job = self._prepare_if_cast(await self._change(job_id, Action.SELECT_CHARACTERS, select))
        self.references.prepare(cast, job.style or DEFAULT_STYLE, job.id)  # drawn while the parent looks
        return job

    async def generate(self, job_id: UUID, style: str | None) -> Job:
        """Draw the panels in the background."""
        style = style or DEFAULT_STYLE
        if style not in STYLES:
            raise InvalidRequest(f"unknown style {style!r}; choose one of {', '.join(STYLES)}")

        def start(job: Job) -> None:
            job.style = style
            move(job, JobStatus.PROCESSING, step=JobStep.GENERATING_IMAGES)

        job = await self._change(job_id, Action.GENERATE, start)
        self._runner.start(job.id, self._pipeline.draw_panels(job.id))
        return job

    async def retry(self, job_id: UUID) -> Job:
        """Re-enter the step a failed, cancelled or interrupted job stopped in, keeping finished work."""

        def resume(job: Job) -> None:
            if job.step not in self._steps:
                raise InvalidState(f"nothing to resume at step {job.step.value}")
            job.attempts += 1
            move(job, JobStatus.PROCESSING)

        job = await self._change(job_id, Action.RETRY, resume)
        self._runner.start(job.id, self._steps[job.step](job.id))
        return job

    async def cancel(self, job_id: UUID) -> Job:
        """Stop a running step, including in-flight provider requests; `retry` resumes it."""
        ensure_allowed(await self.data.get_job(job_id), Action.CANCEL)
        # Stopping and marking go together: a request dropped in between would leave the job
        # `processing` with no task to finish it.
        return await run_to_end(self._stop_and_mark(job_id))

    async def _stop_and_mark(self, job_id: UUID) -> Job:
        await self._runner.cancel(job_id)  # returns once the step's last write is stored

        def mark(job: Job) -> None:
            ensure_allowed(job, Action.CANCEL)  # it may have finished before the cancel landed
            move(job, JobStatus.CANCELLED, error="cancelled on request; retry to resume")

        return await self.data.update_job(job_id, mark)

    async def delete(self, comic_id: UUID) -> None:
        """Delete a finished comic, its images and its job; a redraw still running is stopped first."""
        comic = await self.data.get_comic(comic_id)
        await self._runner.cancel(comic.job_id)  # else the redraw would write the comic back when it ends
        await self.data.delete_comic(comic_id)

    async def result(self, job_id: UUID) -> Comic:
        """The finished comic of a completed job."""
        job = await self.data.get_job(job_id)
        ensure_allowed(job, Action.VIEW_RESULT)
        try:
            return await self.data.get_comic(job.comic_id)
        except ComicNotFound:
            raise InvalidState("the job completed but its comic is missing; see the logs") from None

    def _prepare_if_cast(self, job: Job) -> Job:
        # Approved scenes and a cast are all the image prompts need: write them while the parent looks.
        if job.step == JobStep.COMIC_GENERATION:
            self.preparer.prepare_soon(job)
        return job

    async def _change(self, job_id: UUID, action: Action, change: Callable[[Job], None]) -> Job:
        def guarded(job: Job) -> None:
            ensure_allowed(job, action)
            change(job)

        return await self.data.update_job(job_id, guarded)


def _approve(job: Job) -> None:
    # Characters picked before (then the scenes were refined again) stay picked.
    step = JobStep.COMIC_GENERATION if job.characters else JobStep.CHARACTER_SELECTION
    move(job, JobStatus.REQUIRES_ACTION, step=step)


def _edited_texts(scene_id: int, changes: dict[str, Any]) -> list[tuple[str, str]]:
    # Hand edits reach the page like generated text does, so they are screened alike.
    return [
        (f"scene {scene_id}'s {name}", "\n".join(value) if isinstance(value, list) else str(value))
        for name, value in changes.items()
        if isinstance(value, str | list)
    ]
