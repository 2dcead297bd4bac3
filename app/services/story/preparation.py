"""Image prompts prepared while the parent looks: written once the scenes are approved and the cast chosen.

The image-prompt call (one call for all panels: each prompt, who stands where, who speaks) does not
depend on the generate request, except for the style, and the default style is the usual one. So it
starts in the background as soon as both are known, and `generate` finds it done. The prompts are kept
with a digest of what they were written for (topic, scenes, cast, style: `Job.prompts_for`); a change to
any of those writes them again, a digest that still matches reuses them.

The preparation is invisible: it never changes the job's status or step, and a failure only means that
`generate` writes the prompts itself. It writes the job once, atomically, and only if the job still has
the inputs it started from, so a crash or a cancel at any point leaves either the old prompts or the new
ones. `generate` awaits a preparation in flight for the same inputs instead of calling the model twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from collections.abc import Sequence
from uuid import UUID

from app.errors import FableError, JobNotFound
from app.models.records import CastMember, Composition, Job, Scene
from app.models.story import SceneDraft, check_prompt_ids
from app.providers.composition import check_stagings, to_composition
from app.providers.usage import metering, take
from app.services.jobs.runner import add_usage, billed
from app.storage.data_manager import DataManager
from external_services import ProviderError, StoryBrief, TextModel
from master_prompts import DEFAULT_STYLE, STYLES, ArtStyle, Staged, compose_image_prompt

log = logging.getLogger("fable.jobs")


class _Stale(Exception):
    """The job's scenes, cast or style changed while its prompts were being written."""


def story_brief(job: Job) -> StoryBrief:
    """What the text model is told the comic is about."""
    return StoryBrief(
        topic=job.topic, age_group=job.age_group.value, panel_count=job.panel_count, cast=tuple(job.characters)
    )


def scene_drafts(scenes: list[Scene]) -> list[SceneDraft]:
    """The scenes as the text model writes and reads them."""
    return [SceneDraft.model_validate(scene.model_dump(exclude={"id"})) for scene in scenes]


def fingerprint(job: Job) -> str:
    """A digest of everything the image prompts are written from: topic, scenes, cast and style."""
    basis = {
        "topic": job.topic,
        "age_group": job.age_group.value,
        "scenes": [scene.model_dump(mode="json", exclude={"id"}) for scene in job.scenes],
        "cast": [member.model_dump(mode="json") for member in job.characters],
        "style": job.style or DEFAULT_STYLE,
    }
    return hashlib.sha256(json.dumps(basis, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:32]


def image_prompt(
    scene_prompt: str, composition: Composition | None, cast: Sequence[CastMember], style: ArtStyle
) -> str:
    """The full prompt for one panel: its scene prompt, where everyone stands, and each figure's look."""
    looks = [(member.name, member.description) for member in cast]
    if composition is None:  # a panel staged before compositions existed: every look, no places
        return compose_image_prompt(scene_prompt, looks, style)
    fixed = {member.name.casefold(): member.description for member in cast}
    figures = [
        Staged(f.name, f.position, f.depth, fixed.get(f.name.casefold(), "") if f.character_type else f.look or "")
        for f in composition.figures
    ]
    return compose_image_prompt(scene_prompt, looks, style, figures, composition.speakers)


class PromptPreparer:
    """Writes and keeps a job's image prompts and compositions, in the background or on demand."""

    def __init__(self, data: DataManager, text: TextModel) -> None:
        self._data = data
        self._text = text
        self._running: dict[UUID, tuple[str, asyncio.Task[None]]] = {}  # job -> (digest, task)

    def prepare_soon(self, job: Job) -> None:
        """Write `job`'s prompts in the background unless they are written, or being written, for it as it is."""
        digest = fingerprint(job)
        running = self._running.get(job.id)
        if running and running[0] != digest:  # for scenes or a cast that changed since: its reply would be dropped
            running[1].cancel()
            running = None
        if job.prompts_for == digest or running:
            return
        task = asyncio.create_task(self._prepare(job.id, digest), name=f"prompts-{job.id}")
        self._running[job.id] = (digest, task)
        task.add_done_callback(lambda done: self._forget(job.id, done))

    def drop(self, job_id: UUID) -> None:
        """Stop a preparation whose inputs are about to change (the scenes are being rewritten)."""
        if running := self._running.get(job_id):
            running[1].cancel()

    async def ready(self, job_id: UUID, scene_ids: Sequence[int]) -> Job:
        """The job with a prompt for each of `scene_ids`, written for it as it now is.

        A preparation in flight for the same inputs is awaited (not cancelled if the caller is), a
        stale one is stopped, and prompts that are missing or stale are written now, in the caller's
        task, so that their cost counts on the caller's step.
        """
        job = await self._data.get_job(job_id)
        digest = fingerprint(job)
        if running := self._running.get(job_id):
            if running[0] != digest:
                running[1].cancel()
            await asyncio.wait([running[1]])
            job = await self._data.get_job(job_id)
        kept = all(scene_id in job.panel_prompts for scene_id in scene_ids)
        # No digest but every prompt: kept by an attempt made before digests existed, and drawn from.
        if job.prompts_for == digest or (job.prompts_for is None and kept):
            return job
        return await self._write(job, digest)

    async def shutdown(self) -> None:
        """Stop every preparation and wait for them to end."""
        tasks = [task for _, task in self._running.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _forget(self, job_id: UUID, task: asyncio.Task[None]) -> None:
        running = self._running.get(job_id)
        if running and running[1] is task:
            del self._running[job_id]

    async def _prepare(self, job_id: UUID, digest: str) -> None:
        with metering():
            try:
                job = await self._data.get_job(job_id)
                if fingerprint(job) == digest:
                    await self._write(job, digest)
                    log.info("job %s: image prompts prepared for %d scene(s)", job_id, len(job.scenes))
            except (_Stale, JobNotFound):
                log.info("job %s: prepared image prompts dropped: the job changed meanwhile", job_id)
            except (FableError, ProviderError) as exc:  # generate writes them itself then
                log.warning("job %s: image prompts not prepared: %s", job_id, exc)
            finally:
                if (rest := take()) is not None:  # paid for, even when the reply was thrown away
                    with contextlib.suppress(JobNotFound):
                        await asyncio.shield(self._data.update_job(job_id, billed(lambda job: add_usage(job, rest))))

    async def _write(self, job: Job, digest: str) -> Job:
        style = STYLES[job.style or DEFAULT_STYLE]
        drafts = scene_drafts(job.scenes)
        cast = job.characters
        written = await self._text.write_panel_prompts(story_brief(job), drafts, cast, style)
        try:  # a reply of the wrong shape is the provider's fault, reported like any provider error
            plans = check_stagings(check_prompt_ids(written, [d.scene_id for d in drafts]), drafts, cast)
        except ValueError as exc:
            raise ProviderError(str(exc)) from exc
        compositions = {plan.scene_id: to_composition(plan, cast) for plan in plans}
        prompts = {plan.scene_id: image_prompt(plan.prompt, compositions[plan.scene_id], cast, style) for plan in plans}

        def keep(job: Job) -> None:
            if fingerprint(job) != digest:
                raise _Stale
            job.panel_prompts = prompts
            job.panel_compositions = compositions
            job.prompts_for = digest

        return await self._data.update_job(job.id, billed(keep))
