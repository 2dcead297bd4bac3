"""The long steps of a job, run in the background: write scenes, rewrite scenes, draw panels.

Each step reads the job, calls the providers, and persists its outcome. Drawing keeps every
panel as soon as it is stored, so a retried step only draws the panels that are missing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

from app.errors import FableError
from app.models.records import Comic, Composition, Job, Panel, Scene
from app.models.states import JobStatus, JobStep
from app.models.story import check_scene_ids
from app.models.transitions import move
from app.models.workflow import panel_progress
from app.providers.moderation import Moderator
from app.services.cast.references import ReferenceService, cast_in, panel_references
from app.services.drawing.drawing import fetch_picture, picture_record
from app.services.drawing.revisions import PanelReviser
from app.services.drawing.submissions import SubmissionLog
from app.services.finishing.finishing import Finisher
from app.services.jobs.runner import billed
from app.services.story.preparation import PromptPreparer
from app.services.story.preparation import scene_drafts as _drafts
from app.services.story.preparation import story_brief as _brief
from app.services.story.safety import regenerate_if_unsafe, scene_texts
from app.storage.data_manager import DataManager
from config import Settings
from external_services import CharacterReference, ImageModel, ImageRequest, ProviderError, TextModel
from master_prompts import DEFAULT_STYLE, STYLES
from utils import utcnow

T = TypeVar("T")


def _checked(check: Callable[..., T], *args: object) -> T:
    # A reply of the wrong shape is the provider's fault, reported like any provider error.
    try:
        return check(*args)
    except ValueError as exc:
        raise ProviderError(str(exc)) from exc


class Pipeline:
    """The steps the runner executes; each one leaves the job in its next persisted state."""

    def __init__(
        self,
        data: DataManager,
        text: TextModel,
        images: ImageModel,
        settings: Settings,
        moderator: Moderator,
        *,
        finisher: Finisher,
        references: ReferenceService,
    ) -> None:
        self._data = data
        self._moderator = moderator  # generated scenes are screened; flagged ones are written once more
        self._text = text
        self._images = images
        self._settings = settings
        self._finisher = finisher
        self._references = references
        self._submissions = SubmissionLog(data)
        self._reviser = PanelReviser(data, images, settings, self._finisher, self._submissions, references)
        self.preparer = PromptPreparer(data, text)  # image prompts written while the parent looks

    async def write_scenes(self, job_id: UUID) -> None:
        """Write the comic's title and scenes, then wait for the parent's review."""
        job = await self._data.get_job(job_id)
        script = await regenerate_if_unsafe(
            self._moderator,
            lambda: self._text.write_script(_brief(job)),
            lambda script: scene_texts(script.scenes, script.title),
            "generated scenes",
        )
        drafts = _checked(check_scene_ids, script.scenes, list(range(1, job.panel_count + 1)))

        def done(job: Job) -> None:
            job.title = script.title
            job.scenes = [Scene(**draft.model_dump()) for draft in drafts]
            move(job, JobStatus.REQUIRES_ACTION, step=JobStep.SCENE_REVIEW)

        await self._data.update_job(job_id, billed(done))

    async def rewrite_scenes(self, job_id: UUID) -> None:
        """Rewrite the scenes named in the pending feedback; every other scene stays as it was."""
        job = await self._data.get_job(job_id)
        feedback = job.pending_feedback
        replies = await regenerate_if_unsafe(
            self._moderator,
            lambda: self._text.rewrite_scenes(_brief(job), _drafts(job.scenes), feedback),
            scene_texts,
            "rewritten scenes",
        )
        rewritten = {
            draft.scene_id: draft for draft in _checked(check_scene_ids, replies, [f.scene_id for f in feedback])
        }

        def done(job: Job) -> None:
            job.scenes = [
                Scene(id=scene.id, **rewritten[scene.scene_id].model_dump()) if scene.scene_id in rewritten else scene
                for scene in job.scenes
            ]
            job.refine_rounds += 1
            job.pending_feedback = []
            move(job, JobStatus.REQUIRES_ACTION, step=JobStep.SCENE_REVIEW)

        await self._data.update_job(job_id, billed(done))

    async def draw_panels(self, job_id: UUID) -> None:
        """Write the image prompts in one call, draw the missing panels concurrently, save the comic."""
        job = await self._data.get_job(job_id)
        drawn = {panel.scene_id for panel in job.panels}
        todo = [scene for scene in job.scenes if scene.scene_id not in drawn]
        if todo:
            # The prompts (prepared while the parent looked, or written now) and the references, together.
            job, references = await asyncio.gather(
                self._panel_prompts(job, todo),
                self._references.ensure(job.characters, job.style or DEFAULT_STYLE, job.id),
            )
            limit = asyncio.Semaphore(self._settings.image_concurrency)
            outcomes = await asyncio.gather(
                *(
                    self._draw_panel(
                        job,
                        scene,
                        job.panel_prompts[scene.scene_id],
                        limit,
                        panel_references(
                            job.characters, cast_in(job.panel_compositions.get(scene.scene_id)), references
                        ),
                    )
                    for scene in todo
                ),
                return_exceptions=True,
            )
            _raise_failures(todo, outcomes)
        await self._finish(job_id)

    async def _panel_prompts(self, job: Job, scenes: list[Scene]) -> Job:
        """The job with each scene's image prompt and composition: the prepared ones if still current, else new."""
        return await self.preparer.ready(job.id, [scene.scene_id for scene in scenes])

    async def _draw_panel(
        self,
        job: Job,
        scene: Scene,
        prompt: str,
        limit: asyncio.Semaphore,
        references: tuple[CharacterReference, ...] = (),
    ) -> None:
        request = ImageRequest(
            prompt=prompt,
            width=self._settings.image_width,
            height=self._settings.image_height,
            seed=job.seed,
            scene=_drafts([scene])[0],
            cast=job.characters,
            style=STYLES[job.style or DEFAULT_STYLE],
            composition=job.panel_compositions.get(scene.scene_id),
            references=references,
            resume_id=job.image_requests.get(scene.scene_id),
            unconfirmed=job.image_intents.get(scene.scene_id),
            on_submitting=lambda seed: self._submissions.intend(job.id, scene.scene_id, seed),
            on_submitted=lambda request_id: self._submissions.remember(job.id, scene.scene_id, request_id),
        )
        budget = self._settings.image_timeout_seconds
        if request.unconfirmed is not None:  # the provider may first wait for a lost request to show up
            budget += max(0.0, budget - (utcnow() - request.unconfirmed.at).total_seconds())
        async with limit:
            image, info = await fetch_picture(self._images, request, budget)
        composition = job.panel_compositions.get(scene.scene_id)
        staging = composition or Composition.in_cast_order([m.name for m in job.characters])
        # Stored and lettered at once, neither waiting for the other, while other panels are still
        # being drawn: the last panel's two are all that is left at the end. The job records the
        # panel (and forgets its request id) only once both are on disk.
        stored, lettered = await asyncio.gather(
            self._data.images.save_panel(job.comic_id, scene.scene_id, image.data, info),
            self._finisher.letter_picture(job.comic_id, scene.scene_id, scene, staging, image.data),
            return_exceptions=True,
        )
        if isinstance(stored, BaseException):
            raise stored
        if isinstance(lettered, BaseException):
            raise lettered
        picture = picture_record(self._images, request, image, info, stored)
        panel = Panel(
            panel_id=scene.scene_id,
            scene_id=scene.scene_id,
            composition=composition,
            lettered_path=lettered,
            **picture.model_dump(),
        )

        def keep(job: Job) -> None:
            others = [p for p in job.panels if p.panel_id != panel.panel_id]
            job.panels = sorted([*others, panel], key=lambda p: p.panel_id)
            job.image_requests.pop(scene.scene_id, None)
            job.image_intents.pop(scene.scene_id, None)
            job.progress = panel_progress(len(job.panels), job.panel_count)

        await self._data.update_job(job.id, billed(keep))

    async def _finish(self, job_id: UUID) -> None:
        job = await self._data.get_job(job_id)
        comic = Comic(
            id=job.comic_id,
            job_id=job.id,
            topic=job.topic,
            age_group=job.age_group,
            title=job.title or job.topic,
            style=job.style or DEFAULT_STYLE,
            seed=job.seed,
            scenes=job.scenes,
            characters=job.characters,
            panels=job.panels,
            providers=job.providers,
        )
        comic = await self._finisher.finish(comic)  # letters any panel not lettered yet
        await self._data.save_comic(comic)

        def done(job: Job) -> None:
            job.panels = comic.panels
            move(job, JobStatus.COMPLETED, step=JobStep.COMPLETED)

        await self._data.update_job(job_id, billed(done))
        self._finisher.prints.make_soon(comic.id)  # the page and PDFs, after `completed`: see prints.py

    async def revise_panel(self, job_id: UUID) -> None:
        """Redraw or restore one panel of a finished comic and re-letter it; the page and PDFs follow."""
        await self._reviser.run(job_id)


def _raise_failures(scenes: list[Scene], outcomes: list[BaseException | None]) -> None:
    """Turn failed panels into one readable error; a bug (not a provider fault) is re-raised as is."""
    failures = [(scene, exc) for scene, exc in zip(scenes, outcomes, strict=True) if isinstance(exc, BaseException)]
    for _, exc in failures:
        if not isinstance(exc, FableError | ProviderError):
            raise exc
    if failures:
        first_scene, first = failures[0]
        more = f" (and {len(failures) - 1} more panel(s) failed)" if len(failures) > 1 else ""
        raise ProviderError(f"panel {first_scene.scene_id} failed: {first}{more}")
