"""Character references: drawn once per character and art style, kept in the library, used by every panel.

A reference is the character alone, full length, on a plain background, drawn by the image model
(`FAL_MODEL`, or the offline illustrator; see reference_drawing.py) the first time a comic in that
style needs it, or uploaded by the parent. Every later comic in the style draws its panels from
it, so a character looks the same across a series.

Draws start in the background as soon as a cast is known (`prepare`); `ensure` (at generate)
waits for them. There is at most one task per (character, style) at a time, shared by everyone
who needs that reference: a second request waits for the first instead of paying again, and a
redraw or an upload queues behind a draw in flight. Draws are crash safe and billed to the job
whose cast caused them (see reference_drawing.py).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Callable, Coroutine
from typing import Any
from uuid import UUID

from app.errors import InvalidRequest, MediaNotFound
from app.models.records import CastMember, Composition
from app.models.references import CharacterReferences, ReferenceVersion, StyleReference
from app.services.cast.characters import CharacterLibrary
from app.services.cast.reference_drawing import ReferenceDrawer
from app.services.cast.reference_uploads import clean_upload
from app.storage.data_manager import DataManager
from config import Settings
from external_services import CharacterReference, ImageModel
from master_prompts import STYLES

log = logging.getLogger("fable.references")

Key = tuple[str, str]  # (character type, style)


def distinct(cast: list[CastMember]) -> list[CastMember]:
    """One member per character type (two of the same character share one reference)."""
    first: dict[str, CastMember] = {}
    for member in cast:
        first.setdefault(member.character_type, member)  # the first of them names the reference ("Leo", not "Leo 2")
    return list(first.values())


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
        self._store = data.references
        self._drawer = ReferenceDrawer(data, images, settings)
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
        await asyncio.shield(self._queue((character_type, style), lambda: self._drawer.draw(member, style, None, True)))
        return await self._store.get(character_type)

    async def upload(
        self, character_type: str, style: str, data: bytes, content_type: str | None
    ) -> CharacterReferences:
        """Store the parent's own picture as the current version (checked and re-encoded first)."""
        _check_style(style)
        await self._member(character_type)
        png = await asyncio.to_thread(clean_upload, data, content_type, self._settings.max_reference_bytes)
        await asyncio.shield(
            self._queue((character_type, style), lambda: self._drawer.keep_upload(character_type, style, png))
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
            picture = await asyncio.shield(self._queue(key, lambda: self._drawer.draw(member, style, job_id, True)))
            data = await self._store.read_picture(picture.image_path)
        return CharacterReference(member.character_type, member.name, data, picture.content_type)

    def _draw_soon(self, member: CastMember, style: str, job_id: UUID | None) -> asyncio.Task[ReferenceVersion]:
        """The draw in flight for (character, style), or a new one that keeps a stored picture if there is one."""
        key = (member.character_type, style)
        task = self._tasks.get(key)
        return task if task is not None else self._queue(key, lambda: self._drawer.draw(member, style, job_id, False))

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

    async def _member(self, character_type: str) -> CastMember:
        character = await self._library.get(character_type)
        return CastMember(
            **character.model_dump(include={"character_type", "name", "description", "visual_tags", "age_group"})
        )


def _check_style(style: str) -> None:
    if style not in STYLES:
        raise InvalidRequest(f"unknown style {style!r}; choose one of {', '.join(STYLES)}")
