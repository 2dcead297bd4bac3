"""DataManager: the one door to DATA_DIR for jobs, comics, custom characters and images.

Layout (all human-readable, no database):
    jobs/<job_id>.json                    workflow record, scenes and panels as they are made
    comics/<comic_id>.json                finished comic
    characters/<character_type>.json      custom characters
    references/<character_type>.json      a character's reference pictures per art style, with versions
    images/characters/<type>/<style>.vN.png  the reference pictures
    images/comics/<comic_id>/panel-N.png  downloaded panel images
    exports/<export_id>/                  exports made through the API (see app/export)

Building the export's rows is the export layer's business (app/export), which this layer never
imports; v2.0's documented `export_all_data` and `export_comic_data` reach it through `TableExport`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol
from uuid import UUID

from app.errors import CharacterNotFound, ComicNotFound, CorruptDocument, JobNotFound
from app.models.records import Character, Comic, Job
from app.models.states import JobStatus, JobStep
from app.storage.export_store import ExportStore
from app.storage.health import PlaceCheck, folder_health
from app.storage.image_store import ImageStore
from app.storage.images import Images
from app.storage.job_index import JobHead, JobIndex
from app.storage.json_store import JsonStore
from app.storage.reference_store import ReferenceStore
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
    panel_bytes: int  # the part of `image_bytes` taken by panels (see `ImageStore.panel_usage`)


class TableExport(Protocol):
    """What v2.0's `DataManager.export_*` calls answer with: the export's tables (see app/export/compat.py)."""

    def all_data(self, data: DataManager, bucket: str | None) -> Any: ...

    def comic_data(self, data: DataManager, comic_id: UUID | str, bucket: str | None) -> Any: ...


class DataManager:
    """Persistence for the whole service; nothing else reads or writes DATA_DIR."""

    # Set once by the package root (app/__init__.py), which may import both this layer and the export.
    table_export: ClassVar[TableExport | None] = None

    def __init__(self, data_dir: Path | str, images: Images | None = None) -> None:
        data_dir = Path(data_dir)  # v2.0's documented use passes a str: DataManager("data")
        self.data_dir = data_dir
        self.jobs = JsonStore(data_dir / "jobs", Job, JobNotFound)
        self.comics = JsonStore(data_dir / "comics", Comic, ComicNotFound)
        self.characters = JsonStore(data_dir / "characters", Character, CharacterNotFound)
        # The images folder unless a bucket is given (IMAGE_STORE=s3, opened by the caller).
        self.images: Images = ImageStore(data_dir) if images is None else images
        self.references = ReferenceStore(data_dir, self.images)  # characters' reference pictures
        self.exports = ExportStore(data_dir)
        # id, created_at, status and step of every job: enough to filter and page the job list without
        # reading every document on each request. Rebuilt at start-up, kept current on writes.
        self._index = JobIndex()
        # Called with every job after it is stored (live progress); they must not block.
        self.listeners: list[Callable[[Job], None]] = []
        # Applied to every change of a job, under its lock, before it is stored (the runner adds what its
        # step has cost so far, so that a state change and its usage are written, and seen, together).
        self.amenders: list[Callable[[Job], None]] = []
        self._checking: asyncio.Task[None] | None = None  # see open(check_comics_later=True)
        # The last stored version of each job in progress (see `peek_job`); only this process changes them.
        self._live: dict[UUID, Job] = {}

    async def open(self, *, check_comics_later: bool = False) -> list[Job]:
        """Create the folders, index the jobs and count what is stored; returns the jobs left mid-step.

        Only four fields of each job are parsed here, so start-up stays fast with thousands of jobs.
        With `check_comics_later`, the comics are counted without being read, and the walk that
        counts the images and the check that each comic is whole JSON (together most of a first
        start at 10,000 comics) run in the background (see `checked`): image writes wait for the
        walk, the storage stats for the count, and until the check ends a broken comic is
        reported only once something reads it.
        """
        folders = (self.jobs.folder, self.comics.folder, self.characters.folder, self.references.records.folder)
        if isinstance(self.images, ImageStore):
            folders = (*folders, self.images.root)
        for folder in folders:
            await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
        self._index.rebuild(await self.jobs.scan(JobHead))
        await (self.comics.count_files() if check_comics_later else self.comics.count())
        await self.characters.count()
        if check_comics_later:
            self._checking = asyncio.create_task(self._count_and_check(), name="count-images-check-comics")
            self._checking.add_done_callback(_log_failure)
        else:
            await self.images.count()
        unsettled = []
        for job_id in self._index.with_status(JobStatus.PENDING, JobStatus.PROCESSING):
            try:
                unsettled.append(await self.get_job(job_id))
            except (JobNotFound, CorruptDocument) as exc:
                log.warning("job %s: cannot be recovered: %s", job_id, exc)
        return unsettled

    async def _count_and_check(self) -> None:
        # One after the other: two threads walking the disk at once would fight for the GIL.
        await self.images.count()
        await self.comics.check()

    async def checked(self) -> None:
        """Wait for the background count and check of `open(check_comics_later=True)`, if still running."""
        if self._checking is not None:
            await asyncio.wait([self._checking])

    # -- jobs -------------------------------------------------------------------------------

    async def create_job(self, job: Job) -> Job:
        """Store a new job."""
        job.record_state(job.created_at)
        await self.jobs.create(str(job.id), job, self._created)
        return job

    def _created(self, job: Job) -> None:
        self._index.put(job.id, job.created_at, job.status, job.step)
        log.info("job %s: created, %s/%s", job.id, job.status, job.step)
        self._announce(job)

    async def get_job(self, job_id: UUID) -> Job:
        """One job; raises JobNotFound."""
        return await self.jobs.get(str(job_id))

    async def peek_job(self, job_id: UUID) -> Job:
        """A job to look at, not to change: a job in progress as last stored, from memory; any other from disk.

        Clients poll the status of a job being drawn several times a second, and reading the
        document in a worker thread each time queued behind the drawing's own work. A job in
        progress changes only through `update_job`, so its last stored version is the one here.
        """
        return self._live.get(job_id) or await self.get_job(job_id)

    async def update_job(self, job_id: UUID, change: Callable[[Job], None]) -> Job:
        """Mutate a job under its lock and store it.

        `change` edits a private copy in place and may raise to abort without writing; it changes
        the status only through `app.models.transitions.move`, which records and logs the move. A
        cancel that arrives once the change has begun takes effect after it is stored, indexed and
        announced (see `JsonStore.update`): a change is either not made at all or made whole.
        """

        def apply(job: Job) -> Job:
            # `job` was read from disk for this change alone, so it is already the private copy; a deep
            # copy here cost ~1 ms of event-loop time per update (one per stored panel).
            stamped = job.updated_at
            change(job)
            for amend in self.amenders:
                amend(job)
            if job.updated_at == stamped:  # else a move stamped it, with the time its history entry has
                job.updated_at = utcnow()
            return job

        def stored(job: Job) -> None:
            self._index.put(job.id, job.created_at, job.status, job.step)
            self._announce(job)

        return await self.jobs.update(str(job_id), apply, stored)

    def _announce(self, job: Job) -> None:
        if job.status in (JobStatus.PENDING, JobStatus.PROCESSING):
            self._live[job.id] = job
        else:  # settled: read from disk again, where a document mended or broken by hand shows
            self._live.pop(job.id, None)
        for listener in self.listeners:
            listener(job)

    def job_counts(self) -> dict[tuple[JobStatus, JobStep], int]:
        """Jobs per (status, step), from the index in memory: no disk access."""
        return self._index.counts()

    async def list_jobs(self, status: JobStatus | None, limit: int, offset: int) -> tuple[int, list[Job]]:
        """A page of jobs, newest first, optionally of one status; also returns the total count."""
        total, page = self._index.page(status, limit, offset)
        jobs = []
        for job_id, found in zip(page, await self.jobs.get_many([str(job_id) for job_id in page]), strict=True):
            if isinstance(found, Job):
                jobs.append(found)
            elif isinstance(found, CorruptDocument):  # reported, never allowed to break the listing
                log.warning("job %s: skipped in listing: %s", job_id, found)
            # else: not found, i.e. deleted between indexing and reading
        return total, jobs

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
        self._index.remove(comic.job_id)
        self._live.pop(comic.job_id, None)
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

    # -- v2.0's export calls ----------------------------------------------------------------

    def export_all_data(self, bucket: str | None = None) -> Any:
        """Every job, finished comic and library character as the export's tables; blocking, no event loop needed."""
        return self._table_export().all_data(self, bucket)

    def export_comic_data(self, comic_id: UUID | str, bucket: str | None = None) -> Any:
        """One finished comic, its job and its cast as the export's tables; raises ComicNotFound. Blocking."""
        return self._table_export().comic_data(self, comic_id, bucket)

    def _table_export(self) -> TableExport:
        if self.table_export is None:  # only when app/__init__.py did not run, which importing app.* makes it do
            raise RuntimeError("the export is not wired in: import app first")
        return self.table_export

    # -- stats ------------------------------------------------------------------------------

    def unreadable(self) -> dict[str, str]:
        """Path relative to DATA_DIR -> why, for every stored document known not to parse (no disk access)."""
        return {
            f"{store.folder.name}/{name}": why
            for store in (self.jobs, self.comics, self.characters)
            for name, why in sorted(store.unreadable().items())
        }

    async def health(self) -> tuple[PlaceCheck, PlaceCheck]:
        """Whether the documents' place and the images' place can be used now."""

        store, images = await asyncio.gather(
            asyncio.to_thread(folder_health, self.data_dir, "DATA_DIR"), self.images.health()
        )
        return store, images

    async def usage(self) -> StorageUsage:
        """What is stored and how much room it takes."""
        (jobs, job_bytes), (comics, comic_bytes), (chars, char_bytes), (images, image_bytes) = await asyncio.gather(
            self.jobs.usage(), self.comics.usage(), self.characters.usage(), self.images.usage()
        )
        _, panel_bytes = await self.images.panel_usage()  # counted with the images above: no second walk
        return StorageUsage(jobs, comics, chars, job_bytes + comic_bytes + char_bytes, images, image_bytes, panel_bytes)


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("counting the images or checking the stored comics failed", exc_info=task.exception())
