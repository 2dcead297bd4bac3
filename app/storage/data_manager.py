"""DataManager: the one door to DATA_DIR for jobs, comics, custom characters and images.

Layout (all human-readable, no database):
    jobs/<job_id>.json                    workflow record, scenes and panels as they are made
    comics/<comic_id>.json                finished comic
    characters/<character_type>.json      custom characters
    images/comics/<comic_id>/panel-N.png  downloaded panel images
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from uuid import UUID

from app.errors import CharacterNotFound, ComicNotFound, CorruptDocument, JobNotFound
from app.models.records import Character, Comic, Job
from app.models.states import JobStatus
from app.storage.image_store import ImageStore
from app.storage.json_store import JsonStore
from utils import utcnow

log = logging.getLogger("fable.jobs")


@dataclass(frozen=True)
class StorageUsage:
    """Counts and bytes per kind of stored data."""

    jobs: int
    comics: int
    characters: int
    json_bytes: int
    images: int
    image_bytes: int


class DataManager:
    """Persistence for the whole service; nothing else reads or writes DATA_DIR."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.jobs = JsonStore(data_dir / "jobs", Job, JobNotFound)
        self.comics = JsonStore(data_dir / "comics", Comic, ComicNotFound)
        self.characters = JsonStore(data_dir / "characters", Character, CharacterNotFound)
        self.images = ImageStore(data_dir)
        # job id -> (created_at, status): enough to filter and page the job list without
        # reading every document on each request. Rebuilt at start-up, kept current on writes.
        self._index: dict[UUID, tuple[datetime, JobStatus]] = {}
        # Called with every job after it is stored (live progress); they must not block.
        self.listeners: list[Callable[[Job], None]] = []

    async def open(self) -> list[Job]:
        """Create the folders and index the jobs; returns every readable job."""
        for folder in (self.jobs.folder, self.comics.folder, self.characters.folder, self.images.root):
            await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
        jobs = await self.jobs.all()
        self._index = {job.id: (job.created_at, job.status) for job in jobs}
        return jobs

    # -- jobs -------------------------------------------------------------------------------

    async def create_job(self, job: Job) -> Job:
        """Store a new job."""
        await self.jobs.create(str(job.id), job)
        self._index[job.id] = (job.created_at, job.status)
        log.info("job %s: created, %s/%s", job.id, job.status, job.step)
        self._announce(job)
        return job

    async def get_job(self, job_id: UUID) -> Job:
        """One job; raises JobNotFound."""
        return await self.jobs.get(str(job_id))

    async def update_job(self, job_id: UUID, change: Callable[[Job], None]) -> Job:
        """Mutate a job under its lock and store it; logs every status or step change.

        `change` edits a private copy in place and may raise to abort without writing.
        """
        before: list[tuple[JobStatus, str]] = []

        def apply(job: Job) -> Job:
            before.append((job.status, job.step))
            draft = job.model_copy(deep=True)
            change(draft)
            draft.updated_at = utcnow()
            return draft

        job = await self.jobs.update(str(job_id), apply)
        self._index[job.id] = (job.created_at, job.status)
        if before and before[0] != (job.status, job.step):
            suffix = f" ({job.error})" if job.error and job.status == JobStatus.FAILED else ""
            log.info("job %s: %s/%s -> %s/%s%s", job.id, *before[0], job.status, job.step, suffix)
        self._announce(job)
        return job

    def _announce(self, job: Job) -> None:
        for listener in self.listeners:
            listener(job)

    async def list_jobs(self, status: JobStatus | None, limit: int, offset: int) -> tuple[int, list[Job]]:
        """A page of jobs, newest first, optionally of one status; also returns the total count."""
        matching = [
            (created, job_id) for job_id, (created, st) in self._index.items() if status is None or st == status
        ]
        matching.sort(reverse=True)
        page = [job_id for _, job_id in matching[offset : offset + limit]]
        jobs = []
        for job_id in page:
            try:
                jobs.append(await self.get_job(job_id))
            except JobNotFound:  # deleted between indexing and reading
                continue
            except CorruptDocument as exc:  # reported, never allowed to break the listing
                log.warning("job %s: skipped in listing: %s", job_id, exc)
        return len(matching), jobs

    # -- comics -----------------------------------------------------------------------------

    async def save_comic(self, comic: Comic) -> None:
        """Store a finished comic."""
        await self.comics.put(str(comic.id), comic)

    async def get_comic(self, comic_id: UUID) -> Comic:
        """One finished comic; raises ComicNotFound."""
        return await self.comics.get(str(comic_id))

    async def delete_comic(self, comic_id: UUID) -> Comic:
        """Remove a comic, its images and the job that made it."""
        comic = await self.get_comic(comic_id)
        await self.images.delete_comic(comic.id)
        await self.comics.delete(str(comic.id))
        with contextlib.suppress(JobNotFound):  # the comic outlived its job record
            await self.jobs.delete(str(comic.job_id))
        self._index.pop(comic.job_id, None)
        log.info("job %s: comic %s deleted", comic.job_id, comic.id)
        return comic

    # -- characters -------------------------------------------------------------------------

    async def custom_characters(self) -> list[Character]:
        """Every custom character the creator added."""
        return await self.characters.all()

    async def add_character(self, character: Character) -> Character:
        """Store a new custom character; raises Conflict when the type is taken."""
        await self.characters.create(character.character_type, character)
        return character

    # -- stats ------------------------------------------------------------------------------

    async def usage(self) -> StorageUsage:
        """What is stored and how much room it takes."""
        (jobs, job_bytes), (comics, comic_bytes), (chars, char_bytes), (images, image_bytes) = await asyncio.gather(
            self.jobs.usage(), self.comics.usage(), self.characters.usage(), self.images.usage()
        )
        return StorageUsage(jobs, comics, chars, job_bytes + comic_bytes + char_bytes, images, image_bytes)
