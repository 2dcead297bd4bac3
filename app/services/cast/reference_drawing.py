"""Drawing one character reference and keeping it: the request, its crash records, the stored version.

`ReferenceService` (references.py) decides when a reference is drawn and makes sure only one draw
per (character, style) runs; this does the drawing. A draw records its seed before the provider
submits it and the request id after, on the character's record (`ReferenceDraw`), so a draw cut
short by a crash is collected by the next one instead of being paid for twice; the job whose cast
caused it is billed (`usage.references`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from uuid import UUID

from app.errors import JobNotFound
from app.models.records import CastMember, Job
from app.models.references import ReferenceDraw, ReferenceVersion, StyleReference
from app.models.story import SceneDraft
from app.storage.data_manager import DataManager
from app.storage.image_store import probe_image
from config import Settings
from external_services import ImageModel, ImageRequest, ProviderError
from master_prompts import STYLES, compose_reference_prompt
from utils import utcnow

log = logging.getLogger("fable.references")

REFERENCE_WIDTH, REFERENCE_HEIGHT = 512, 768  # portrait: a whole standing figure


class ReferenceDrawer:
    """Draws a reference with the image model, or keeps an upload, as the next version."""

    def __init__(self, data: DataManager, images: ImageModel, settings: Settings) -> None:
        self._data = data
        self._store = data.references
        self._images = images
        self._settings = settings

    async def draw(self, member: CastMember, style: str, job_id: UUID | None, fresh: bool) -> ReferenceVersion:
        """Draw the reference (resuming a draw an earlier process submitted); `fresh=False` keeps a stored one."""
        kind = member.character_type
        stored = (await self._store.get(kind)).styles.get(style, StyleReference())
        if not fresh and (picture := stored.picture()) is not None:
            return picture
        pending = stored.draw  # an earlier draw stopped after it was submitted: collect it, don't pay again
        seed = pending.seed if pending is not None else random.SystemRandom().randrange(2**31)
        request = ImageRequest(
            prompt=compose_reference_prompt(member.name, member.description, STYLES[style]),
            width=REFERENCE_WIDTH,
            height=REFERENCE_HEIGHT,
            seed=seed,
            scene=_placeholder_scene(member),
            cast=[member],
            style=STYLES[style],
            reference_of=member,
            resume_id=pending.request_id if pending is not None else None,
            unconfirmed=pending.intent() if pending is not None else None,
            on_submitting=lambda seed: self._note(kind, style, lambda ref: _intend(ref, seed)),
            on_submitted=lambda request_id: self._note(kind, style, lambda ref: _submitted(ref, request_id)),
        )
        budget = self._settings.image_timeout_seconds
        if request.unconfirmed is not None:  # the provider may first wait for a lost request to show up
            budget += max(0.0, budget - (utcnow() - request.unconfirmed.at).total_seconds())
        log.info("reference %s/%s: drawing (seed %d)", kind, style, seed)
        try:
            async with asyncio.timeout(budget):
                image = await self._images.draw(request)
        except TimeoutError:
            raise ProviderError(f"no reference picture of {member.name} after {budget:g} s") from None
        await self._bill(job_id)  # paid for, whether or not it turns out to be usable
        version = await self._keep(
            kind,
            style,
            image.data,
            "drawn",
            request.prompt,
            image.seed if image.seed is not None else seed,
            image.source_url,
        )
        log.info("reference %s/%s: version %d drawn for job %s", kind, style, version.version, job_id)
        return version

    async def keep_upload(self, kind: str, style: str, png: bytes) -> ReferenceVersion:
        """Store a checked, re-encoded upload as the current version."""
        version = await self._keep(kind, style, png, "uploaded", "uploaded by the creator", None, None)
        log.info("reference %s/%s: version %d uploaded", kind, style, version.version)
        return version

    async def _keep(
        self, kind: str, style: str, data: bytes, source: str, prompt: str, seed: int | None, url: str | None
    ) -> ReferenceVersion:
        info = await asyncio.to_thread(probe_image, data)
        record = await self._store.get(kind)
        number = 1 + max((v.version for v in record.styles.get(style, StyleReference()).versions), default=0)
        path = await self._store.save_picture(kind, style, number, data, info)
        version = ReferenceVersion(
            version=number,
            source=source,
            prompt=prompt,
            **info.picture_fields(path),
            seed=seed,
            provider=self._images.name if source == "drawn" else "upload",
            source_url=url,
        )

        def add(ref: StyleReference) -> None:
            ref.versions.append(version)
            ref.current = number
            ref.draw = None

        await self._note(kind, style, add)
        return version

    async def _note(self, kind: str, style: str, change: Callable[[StyleReference], None]) -> None:
        await self._store.update(kind, lambda record: change(record.styles.setdefault(style, StyleReference())))

    async def _bill(self, job_id: UUID | None) -> None:
        def add(job: Job) -> None:
            job.usage.references += 1

        if job_id is not None:
            with contextlib.suppress(JobNotFound):  # deleted meanwhile: nobody left to bill
                await self._data.update_job(job_id, add)


def _intend(ref: StyleReference, seed: int) -> None:
    ref.draw = ReferenceDraw(seed=seed)  # timed as it is written: before the submit


def _submitted(ref: StyleReference, request_id: str | None) -> None:
    if request_id is None:  # refused: nothing runs, the intent is void
        ref.draw = None
    elif ref.draw is not None:
        ref.draw.request_id = request_id


def _placeholder_scene(member: CastMember) -> SceneDraft:
    # ImageRequest needs a scene; a reference has none (see ImageRequest.reference_of).
    return SceneDraft(
        scene_id=1,
        title=f"{member.name}: reference",
        description=f"{member.name} alone, full length, on a plain background.",
        dialogue="",
        learning_point="The same look in every panel.",
        visual_elements=[],
    )
