"""Revising one panel of a finished comic: redraw it, or show one of its earlier pictures again.

`PanelService` (panels.py) records the change on the job as `pending_panel` and moves the job to
processing/redrawing_panel or restoring_panel; `PanelReviser.run` does the work in the background
and returns the job to completed. Every picture a panel has had stays on disk as a numbered
version (`panel-<n>.v<k>.<ext>`; version 1 is the first drawing, `panel-<n>.<ext>`), so any
redraw can be undone.
"""

from __future__ import annotations

import random
from uuid import UUID

from app.errors import InvalidState, PanelNotFound
from app.models.records import Job, Panel, PanelChange, PanelVersion
from app.models.states import JobStatus, JobStep
from app.models.story import SceneDraft
from app.models.transitions import move
from app.services.cast.references import ReferenceService, cast_in, panel_references
from app.services.drawing.drawing import draw_picture
from app.services.drawing.submissions import SubmissionLog
from app.services.finishing.finishing import Finisher
from app.services.jobs.runner import billed
from app.services.story.preparation import image_prompt
from app.storage.data_manager import DataManager
from config import Settings
from external_services import ImageModel, ImageRequest
from master_prompts import DEFAULT_STYLE, STYLES

# The fields a version and the panel showing it share.
_PICTURE_FIELDS = set(PanelVersion.model_fields) - {"version"}


def find_panel(job: Job, panel_id: int) -> Panel:
    """The job's panel `panel_id`; raises PanelNotFound."""
    for panel in job.panels:
        if panel.panel_id == panel_id:
            return panel
    raise PanelNotFound(f"the comic has no panel {panel_id}; panels are {[p.panel_id for p in job.panels]}")


def panel_history(panel: Panel) -> list[PanelVersion]:
    """Every picture the panel has had, oldest first (only its current one until it is first redrawn)."""
    return list(panel.versions) or [PanelVersion(version=1, **panel.model_dump(include=_PICTURE_FIELDS))]


def find_version(panel: Panel, version: int) -> PanelVersion:
    """Version `version` of the panel; raises PanelNotFound."""
    history = panel_history(panel)
    if not 1 <= version <= len(history):
        raise PanelNotFound(f"panel {panel.panel_id} has no version {version}; it has 1 to {len(history)}")
    return history[version - 1]


def showing(panel: Panel, history: list[PanelVersion], version: PanelVersion) -> Panel:
    """The panel showing `version`, its whole history kept."""
    picture = version.model_dump(include=_PICTURE_FIELDS)
    return panel.model_copy(update={**picture, "version": version.version, "versions": history})


class PanelReviser:
    """The background step behind redraw and restore."""

    def __init__(
        self,
        data: DataManager,
        images: ImageModel,
        settings: Settings,
        finisher: Finisher,
        submissions: SubmissionLog,
        references: ReferenceService,
    ) -> None:
        self._data = data
        self._submissions = submissions
        self._images = images
        self._settings = settings
        self._finisher = finisher
        self._references = references

    async def run(self, job_id: UUID) -> None:
        """Apply the job's pending panel change and re-letter that panel; the page and PDFs follow."""
        job = await self._data.get_job(job_id)
        change = job.pending_panel
        if change is None:
            raise InvalidState("no panel change is pending")
        panel = find_panel(job, change.panel_id)
        history = panel_history(panel)
        if change.version is None:
            version = await self._redraw(job, panel, change, len(history) + 1)
            history = [*history, version]
        else:
            version = find_version(panel, change.version)
        revised = showing(panel, history, version)

        comic = await self._data.get_comic(job.comic_id)
        panels = [revised if p.panel_id == revised.panel_id else p for p in comic.panels]
        comic = await self._finisher.finish(comic.model_copy(update={"panels": panels}), redo={revised.panel_id})
        await self._data.save_comic(comic)

        def done(job: Job) -> None:
            job.panels = comic.panels
            job.pending_panel = None
            job.image_requests.pop(revised.panel_id, None)
            job.image_intents.pop(revised.panel_id, None)
            move(job, JobStatus.COMPLETED, step=JobStep.COMPLETED)

        await self._data.update_job(job_id, billed(done))
        self._finisher.prints.make_soon(comic.id)

    async def _redraw(self, job: Job, panel: Panel, change: PanelChange, number: int) -> PanelVersion:
        scene = next((s for s in job.scenes if s.scene_id == panel.scene_id), None)
        if scene is None:
            raise InvalidState(f"panel {panel.panel_id} has no scene to draw from")
        style = STYLES[job.style or DEFAULT_STYLE]
        # A new scene prompt keeps the panel's staging: the same people in the same places.
        prompt = panel.prompt
        if change.prompt:
            prompt = image_prompt(change.prompt, panel.composition, job.characters, style)
        # Redraws asked for now always carry their seed (see panels.py); one left pending by an
        # older version of the service may not.
        seed = change.seed if change.seed is not None else random.SystemRandom().randrange(2**31)
        references = await self._references.ensure(job.characters, job.style or DEFAULT_STYLE, job.id)
        composition = panel.composition or job.panel_compositions.get(panel.scene_id)
        request = ImageRequest(
            prompt=prompt,
            width=self._settings.image_width,
            height=self._settings.image_height,
            seed=seed,
            scene=SceneDraft.model_validate(scene.model_dump(exclude={"id"})),
            cast=job.characters,
            style=style,
            composition=composition,
            references=panel_references(job.characters, cast_in(composition), references),
            # A redraw resumed after a crash collects the picture it had asked for, like a comic's panels.
            resume_id=job.image_requests.get(panel.panel_id),
            unconfirmed=job.image_intents.get(panel.panel_id),
            on_submitting=lambda seed: self._submissions.intend(job.id, panel.panel_id, seed),
            on_submitted=lambda request_id: self._submissions.remember(job.id, panel.panel_id, request_id),
        )
        picture, _ = await draw_picture(
            self._images,
            request,
            self._settings.image_timeout_seconds,
            lambda data, info: self._data.images.save_panel_version(job.comic_id, panel.panel_id, number, data, info),
        )
        return PanelVersion(version=number, **picture.model_dump())
