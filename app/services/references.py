"""Character references: drawn once per character and art style, kept in the library, used by every panel.

A reference is the character alone, full length, on a plain background, drawn by the image model
(`FAL_MODEL`, or the offline illustrator) the first time a comic in that style needs it, or
uploaded by the parent. Every later comic in the style draws its panels from it, so a character
looks the same across a series.

Draws start in the background as soon as a cast is known (`prepare`); `ensure` (at generate)
waits for them. There is at most one task per (character, style) at a time, shared by everyone
who needs that reference: a second request waits for the first instead of paying again, and a
redraw or an upload queues behind a draw in flight. A draw records its seed before it is
submitted and its request id after (`ReferenceDraw`), as panels do, so a draw cut short by a
crash is collected by the next one instead of being paid for twice. The job whose cast caused a
draw is billed for it (`usage.references`).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import random
from collections.abc import Callable, Coroutine
from typing import Any
from uuid import UUID

from app.errors import InvalidRequest, JobNotFound, MediaNotFound
from app.models.records import CastMember, Composition, Job
from app.models.references import CharacterReferences, ReferenceDraw, ReferenceVersion, StyleReference
from app.models.story import SceneDraft
from app.services.characters import CharacterLibrary
from app.services.reference_uploads import clean_upload
from app.storage.data_manager import DataManager
from app.storage.image_store import probe_image
from config import Settings
from external_services import CharacterReference, ImageModel, ImageRequest, ProviderError
from master_prompts import STYLES, compose_reference_prompt
from utils import utcnow

log = logging.getLogger("fable.references")

REFERENCE_WIDTH, REFERENCE_HEIGHT = 512, 768  # portrait: a whole standing figure
Key = tuple[str, str]  # (character type, style)


def distinct(cast: list[CastMember]) -> list[CastMember]:
    """One member per character type (two of the same character share one reference)."""
    return list({member.character_type: member for member in reversed(cast)}.values())[::-1]


def cast_in(composition: Composition | None) -> list[str] | None:
    """The character types of the cast members a panel's composition shows (None: no composition)."""
    if composition is None:
        return None
    return [figure.character_type for figure in composition.figures if figure.character_type]


def panel_references(
    cast: list[CastMember], types_in_panel: list[str] | None, references: dict[str, CharacterReference]
) -> tuple[CharacterReference, ...]:
    """The references of exactly the characters in a panel (`None`: the whole cast), in order, once each."""
    wanted = types_in_panel if types_in_panel is not None else [member.character_type for member in cast]
    return tuple(references[t] for t in dict.fromkeys(wanted) if t in references)


class ReferenceService:
    """Draws, stores, uploads and hands out character references."""

    def __init__(self, data: DataManager, images: ImageModel, settings: Settings, library: CharacterLibrary) -> None:
        self._data = data
        self._store = data.references
        self._images = images
        self._settings = settings
        self._library = library
        self._tasks: dict[Key, asyncio.Task[ReferenceVersion]] = {}

    def prepare(self, cast: list[CastMember], style: str, job_id: UUID | None = None) -> None:
        """Start drawing, in the background, the cast's references in `style` that are missing."""
        for member in distinct(cast):
            self._draw_soon(member, style, job_id)

    async def ensure(
        self, cast: list[CastMember], style: str, job_id: UUID | None = None
    ) -> dict[str, CharacterReference]:
        """Character type -> reference in `style` for the whole cast, drawing (or waiting for) missing ones."""
        members = distinct(cast)
        found = await asyncio.gather(*(self._reference(member, style, job_id) for member in members))
        return {member.character_type: reference for member, reference in zip(members, found, strict=True)}

    async def redraw(self, character_type: str, style: str) -> CharacterReferences:
        """Draw a new version with a new seed (the old ones are kept); it becomes the current one."""
        _check_style(style)
        member = await self._member(character_type)
        await asyncio.shield(self._queue((character_type, style), lambda: self._draw(member, style, None, True)))
        return await self._store.get(character_type)

    async def upload(
        self, character_type: str, style: str, data: bytes, content_type: str | None
    ) -> CharacterReferences:
        """Store the parent's own picture as the current version (checked and re-encoded first)."""
        _check_style(style)
        await self._member(character_type)
        png = await asyncio.to_thread(clean_upload, data, content_type, self._settings.max_reference_bytes)
        await asyncio.shield(
            self._queue((character_type, style), lambda: self._keep_upload(character_type, style, png))
        )
        return await self._store.get(character_type)

    async def listing(self) -> dict[str, dict[str, ReferenceVersion]]:
        """Character type -> style -> current reference, for every character that has one."""
        return {
            record.character_type: {style: pic for style, ref in record.styles.items() if (pic := ref.picture())}
            for record in await self._store.all()
        }

    def drawing(self, character_type: str) -> list[str]:
        """The styles in which a reference of this character is being drawn now."""
        return sorted(
            style for (kind, style), task in self._tasks.items() if kind == character_type and not task.done()
        )

    async def aclose(self) -> None:
        """Stop the draws in flight (their seed or request id is kept: the next draw collects them)."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _reference(self, member: CastMember, style: str, job_id: UUID | None) -> CharacterReference:
        key = (member.character_type, style)
        record = await self._store.get(member.character_type)
        picture = record.styles.get(style, StyleReference()).picture()
        if picture is None or key in self._tasks:  # missing, or being drawn again: wait for the newest
            picture = await asyncio.shield(self._draw_soon(member, style, job_id))
        try:
            data = await self._store.read_picture(picture.image_path)
        except MediaNotFound:  # removed by hand: draw it again rather than fail every comic
            log.warning("reference %s/%s: %s is missing; drawing it again", *key, picture.image_path)
            picture = await asyncio.shield(self._queue(key, lambda: self._draw(member, style, job_id, True)))
            data = await self._store.read_picture(picture.image_path)
        return CharacterReference(member.character_type, member.name, data, picture.content_type)

    def _draw_soon(self, member: CastMember, style: str, job_id: UUID | None) -> asyncio.Task[ReferenceVersion]:
        """The draw in flight for (character, style), or a new one that keeps a stored picture if there is one."""
        key = (member.character_type, style)
        task = self._tasks.get(key)
        return task if task is not None else self._queue(key, lambda: self._draw(member, style, job_id, False))

    def _queue(self, key: Key, work: Callable[[], Coroutine[Any, Any, ReferenceVersion]]) -> asyncio.Task:
        """Run `work` once the task in flight for `key` (if any) has ended; it becomes the task for `key`."""
        before = self._tasks.get(key)

        async def after_before() -> ReferenceVersion:
            if before is not None:
                await asyncio.wait([before])
            return await work()

        # A context of its own: a draw started inside a job step must not count into that step's meter.
        task = asyncio.create_task(after_before(), name=f"reference-{key[0]}-{key[1]}", context=contextvars.Context())
        self._tasks[key] = task
        task.add_done_callback(lambda done: self._forget(key, done))
        return task

    def _forget(self, key: Key, task: asyncio.Task[ReferenceVersion]) -> None:
        if self._tasks.get(key) is task:
            del self._tasks[key]
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.warning("reference %s/%s: not drawn: %s", *key, exc)

    async def _draw(self, member: CastMember, style: str, job_id: UUID | None, fresh: bool) -> ReferenceVersion:
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

    async def _keep_upload(self, kind: str, style: str, png: bytes) -> ReferenceVersion:
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
            image_path=path,
            content_type=info.content_type,
            width=info.width,
            height=info.height,
            size_bytes=info.size_bytes,
            sha256=info.sha256,
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

    async def _member(self, character_type: str) -> CastMember:
        character = await self._library.get(character_type)
        return CastMember(
            **character.model_dump(include={"character_type", "name", "description", "visual_tags", "age_group"})
        )


def _intend(ref: StyleReference, seed: int) -> None:
    ref.draw = ReferenceDraw(seed=seed)  # timed as it is written: before the submit


def _submitted(ref: StyleReference, request_id: str | None) -> None:
    if request_id is None:  # refused: nothing runs, the intent is void
        ref.draw = None
    elif ref.draw is not None:
        ref.draw.request_id = request_id


def _check_style(style: str) -> None:
    if style not in STYLES:
        raise InvalidRequest(f"unknown style {style!r}; choose one of {', '.join(STYLES)}")


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
