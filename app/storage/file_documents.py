"""The file store: every record a JSON document in a folder under DATA_DIR (the default, no database).

    jobs/<job_id>.json                 workflow record, scenes and panels as they are made
    comics/<comic_id>.json             finished comic
    characters/<character_type>.json   custom characters
    references/<character_type>.json   a character's reference pictures per art style, with versions

It implements `documents.DocumentStore` over `JsonStore`s, one per folder; jobs have a class of
their own (`JobStore`) for the index and the jobs in progress kept in memory.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from uuid import UUID

from app.errors import CharacterNotFound, ComicNotFound
from app.models.records import Character, Comic
from app.models.references import CharacterReferences
from app.storage.documents import DocumentUsage
from app.storage.health import PlaceCheck, folder_health
from app.storage.job_store import JobStore
from app.storage.json_store import JsonStore


class FileComics:
    """Comics in `comics/`."""

    def __init__(self, folder: Path) -> None:
        self.documents = JsonStore(folder, Comic, ComicNotFound)

    async def put(self, comic: Comic) -> None:
        """Store a comic, replacing any earlier version."""
        await self.documents.put(str(comic.id), comic)

    async def get(self, comic_id: UUID) -> Comic:
        """One comic; raises ComicNotFound or CorruptDocument."""
        return await self.documents.get(str(comic_id))

    async def delete(self, comic_id: UUID) -> None:
        """Remove a comic's document; raises ComicNotFound."""
        await self.documents.delete(str(comic_id))


class FileCharacters:
    """Custom characters in `characters/`."""

    def __init__(self, folder: Path) -> None:
        self.documents = JsonStore(folder, Character, CharacterNotFound)

    async def custom(self) -> list[Character]:
        """Every readable custom character (unreadable ones are logged and skipped)."""
        return await self.documents.all()

    async def get(self, character_type: str) -> Character:
        """One custom character; raises CharacterNotFound."""
        return await self.documents.get(character_type)

    async def add(self, character: Character) -> None:
        """Store a new custom character; raises Conflict when the type is taken."""
        await self.documents.create(character.character_type, character)


class FileReferences:
    """Reference records in `references/`."""

    def __init__(self, folder: Path) -> None:
        self.documents = JsonStore(folder, CharacterReferences, CharacterNotFound)

    async def get(self, character_type: str) -> CharacterReferences:
        """The character's references; an empty record when it has none yet."""
        try:
            return await self.documents.get(character_type)
        except CharacterNotFound:
            return CharacterReferences(character_type=character_type)

    async def all(self) -> list[CharacterReferences]:
        """Every readable references record."""
        return await self.documents.all()

    async def update(self, character_type: str, change: Callable[[CharacterReferences], None]) -> CharacterReferences:
        """Change a character's record under its lock (created when missing); `change` may raise to abort."""

        def apply(record: CharacterReferences) -> CharacterReferences:
            change(record)
            return record

        return await self.documents.upsert(
            character_type, apply, lambda: CharacterReferences(character_type=character_type)
        )


class FileDocuments:
    """The JSON folders under `data_dir`."""

    kind = "files"

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.jobs = JobStore(data_dir / "jobs")
        self.comics = FileComics(data_dir / "comics")
        self.characters = FileCharacters(data_dir / "characters")
        self.references = FileReferences(data_dir / "references")

    def _stores(self) -> tuple[JsonStore, ...]:
        return (self.jobs.documents, self.comics.documents, self.characters.documents, self.references.documents)

    def prime(self) -> bool:
        """Begin the job index's start-up scan in a child process (see `head_primer`); before any thread starts."""
        return self.jobs.prime()

    async def open(self, *, check_later: bool = False) -> None:
        """Create the folders, index the jobs and count the documents.

        Only four fields of each job are parsed, so start-up stays fast with thousands of jobs. With
        `check_later`, the comics are counted from the folder listing alone, and `check` reads them.
        """
        for store in self._stores():
            await asyncio.to_thread(store.folder.mkdir, parents=True, exist_ok=True)
        await self.jobs.open()
        await (self.comics.documents.count_files() if check_later else self.comics.documents.count())
        await self.characters.documents.count()

    async def check(self) -> None:
        """Note the comics that do not parse (the slow part of a first start at 10,000 comics)."""
        await self.comics.documents.check()

    async def aclose(self) -> None:
        """Nothing to release: every write is on disk when it returns."""

    def unreadable(self) -> dict[str, str]:
        """Path relative to DATA_DIR -> why, for every document known not to parse (no disk access)."""
        return {
            f"{store.folder.name}/{name}": why
            for store in self._stores()[:3]
            for name, why in sorted(store.unreadable().items())
        }

    async def health(self) -> PlaceCheck:
        """DATA_DIR is there and writable."""
        return await asyncio.to_thread(folder_health, self.data_dir, "DATA_DIR")

    async def usage(self) -> DocumentUsage:
        """Documents per folder and their bytes (running totals, counted at the first call)."""
        (jobs, job_bytes), (comics, comic_bytes), (chars, char_bytes) = await asyncio.gather(
            *(store.usage() for store in self._stores()[:3])
        )
        return DocumentUsage(jobs, comics, chars, job_bytes + comic_bytes + char_bytes)

    def location(self, comic_id: UUID) -> str:
        """The comic's JSON file."""
        return str(self.comics.documents.path_for(str(comic_id)).resolve())
