"""The one door to the stored records: what every document store offers, whatever it keeps them in.

Two stores implement it: the JSON folders under DATA_DIR (`file_documents.py`, the default) and
PostgreSQL (`postgres/`, with DATABASE_URL). `stores.py` picks one from the settings; nothing above
`app/storage/` knows which one runs. Each kind of record has one write method per kind of write
(`create`, `update`, `put`, `add`, `delete`), so that whatever a later store must do on a write
(a lease check, a notification) has one place to go.

Writes of one record are atomic and serialised: `update` hands `change` a private copy read under
the record's lock (an asyncio lock, or `SELECT ... FOR UPDATE` in a transaction), stores what it
returns, and then calls `stored`, still in write order. `change` may raise to abort: nothing is
written then. A cancel that arrives once a write has begun takes effect after it is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from app.models.records import Character, Comic, Job
from app.models.references import CharacterReferences
from app.models.states import JobStatus, JobStep
from app.storage.health import PlaceCheck

JobCounts = dict[tuple[JobStatus, JobStep], int]


@dataclass(frozen=True)
class DocumentUsage:
    """How many records of each kind are stored and the bytes they take (files, or tables and indexes)."""

    jobs: int
    comics: int
    characters: int
    bytes: int


@dataclass(frozen=True)
class StorageUsage:
    """Counts and bytes per kind of stored data, documents and images (what `/storage/stats` reports)."""

    jobs: int
    comics: int
    characters: int
    json_bytes: int  # the documents' bytes: their files, or their tables and indexes in the database
    images: int
    image_bytes: int
    panel_bytes: int  # the part of `image_bytes` taken by panels (see `ImageStore.panel_usage`)


class JobRecords(Protocol):
    """Job records: the workflow state of every comic."""

    async def create(self, job: Job, stored: Callable[[Job], None]) -> None:
        """Store a new job and call `stored` with it; raises Conflict when its id is taken."""

    async def get(self, job_id: UUID) -> Job:
        """One job, as stored now; raises JobNotFound or CorruptDocument."""

    async def peek(self, job_id: UUID) -> Job:
        """A job to look at, not to change (a store may answer from memory what only it writes)."""

    async def update(self, job_id: UUID, change: Callable[[Job], Job], stored: Callable[[Job], None]) -> Job:
        """Store `change(private copy)` atomically, then call `stored` with it (see the module's notes)."""

    async def delete(self, job_id: UUID) -> None:
        """Remove a job; no error when there is none."""

    async def page(self, status: JobStatus | None, limit: int, offset: int) -> tuple[int, list[Job]]:
        """Jobs newest first (optionally of one status), skipping unreadable ones; and how many match."""

    async def counts(self) -> JobCounts:
        """How many jobs are at each (status, step)."""

    async def unsettled(self) -> list[Job]:
        """The readable jobs stored as pending or processing, oldest first."""


class ComicRecords(Protocol):
    """Finished comics, with their scenes and panels."""

    async def put(self, comic: Comic) -> None:
        """Store a comic, replacing any earlier version of it whole."""

    async def get(self, comic_id: UUID) -> Comic:
        """One comic; raises ComicNotFound or CorruptDocument."""

    async def delete(self, comic_id: UUID) -> None:
        """Remove a comic's record; raises ComicNotFound when there is none."""


class CharacterRecords(Protocol):
    """The creator's own characters (the presets are code, not records)."""

    async def custom(self) -> list[Character]:
        """Every readable custom character."""

    async def get(self, character_type: str) -> Character:
        """One custom character; raises CharacterNotFound."""

    async def add(self, character: Character) -> None:
        """Store a new custom character; raises Conflict when its type is taken."""


class ReferenceRecords(Protocol):
    """Each character's reference pictures per art style (the records; the pictures are images)."""

    async def get(self, character_type: str) -> CharacterReferences:
        """A character's references; an empty record when it has none."""

    async def all(self) -> list[CharacterReferences]:
        """Every readable references record."""

    async def update(self, character_type: str, change: Callable[[CharacterReferences], None]) -> CharacterReferences:
        """Change a character's record atomically, created empty when missing; `change` edits it in place."""


class DocumentStore(Protocol):
    """Every kind of record, and the store's own life and condition."""

    kind: str  # `files` or `postgres`, as /health names it
    jobs: JobRecords
    comics: ComicRecords
    characters: CharacterRecords
    references: ReferenceRecords

    async def open(self, *, check_later: bool = False) -> None:
        """Make the store ready; with `check_later`, leave the slow checks to `check`."""

    async def check(self) -> None:
        """The checks `open(check_later=True)` left out (the DataManager runs them in the background)."""

    async def aclose(self) -> None:
        """Release what the store holds (connections); called once, at shutdown."""

    def unreadable(self) -> dict[str, str]:
        """Where -> why, for every stored record known not to make a valid record (no I/O)."""

    async def health(self) -> PlaceCheck:
        """Whether the store can be used now."""

    async def usage(self) -> DocumentUsage:
        """What is stored and how much room it takes."""

    def location(self, comic_id: UUID) -> str:
        """Where a comic's record is, for a person: a file path, or a table row."""
