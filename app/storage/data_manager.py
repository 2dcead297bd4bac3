"""DataManager: the one door to DATA_DIR for jobs, comics, custom characters and images.

Layout (all human-readable, no database):
    jobs/<job_id>.json                    workflow record, scenes and panels as they are made
    comics/<comic_id>.json                finished comic
    characters/<character_type>.json      custom characters
    references/<character_type>.json      a character's reference pictures per art style, with versions
    images/characters/<type>/<style>.vN.png  the reference pictures
    images/comics/<comic_id>/panel-N.png  downloaded panel images
    exports/<export_id>/                  exports made through the API (see app/export)

v2.0's documented `export_all_data` and `export_comic_data` answer with the store's relational
tables (`app/storage/relational`), the rows the export writes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from app.errors import CharacterNotFound, ComicNotFound
from app.models.records import Character, Comic, Job
from app.models.states import JobStatus, JobStep
from app.storage.export_store import ExportStore
from app.storage.health import PlaceCheck, folder_health
from app.storage.image_store import ImageStore
from app.storage.images import Images
from app.storage.job_feed import JobFeed
from app.storage.job_store import JobStore
from app.storage.json_store import JsonStore
from app.storage.reference_store import ReferenceStore
from app.storage.relational.tables import DEFAULT_BUCKET, ExportTables, comic_tables, store_tables

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


class DataManager:
    """Persistence for the whole service; nothing else reads or writes DATA_DIR.

    A facade: jobs are `JobStore`'s (documents, index, jobs in progress), their writes are announced
    through `feed` (a `JobFeed`), and the methods here keep the names the services and v2.0's
    documented use call.
    """

    def __init__(self, data_dir: Path | str, images: Images | None = None) -> None:
        data_dir = Path(data_dir)  # v2.0's documented use passes a str: DataManager("data")
        self.data_dir = data_dir
        self.feed = JobFeed()  # subscribe here to hear of every stored job write
        self.job_store = JobStore(data_dir / "jobs", self.feed)
        self.jobs = self.job_store.documents  # the job documents themselves, for the export and the stats
        self.comics = JsonStore(data_dir / "comics", Comic, ComicNotFound)
        self.characters = JsonStore(data_dir / "characters", Character, CharacterNotFound)
        # The images folder unless a bucket is given (IMAGE_STORE=s3, opened by the caller).
        self.images: Images = ImageStore(data_dir) if images is None else images
        self.references = ReferenceStore(data_dir, self.images)  # characters' reference pictures
        self.exports = ExportStore(data_dir)
        self._checking: asyncio.Task[None] | None = None  # see open(check_comics_later=True)

    @staticmethod
    def prime(data_dir: Path) -> bool:
        """Begin the job index's start-up scan in a child process (see `head_primer`); before any thread starts.

        The server calls it before it loads the web app, whose imports take as long as the scan.
        """
        return JobStore(Path(data_dir) / "jobs", JobFeed()).prime()

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
        await self.job_store.open()
        await (self.comics.count_files() if check_comics_later else self.comics.count())
        await self.characters.count()
        if check_comics_later:
            self._checking = asyncio.create_task(self._count_and_check(), name="count-images-check-comics")
            self._checking.add_done_callback(_log_failure)
        else:
            await self.images.count()
        return await self.job_store.unsettled()

    async def _count_and_check(self) -> None:
        # One after the other: two threads walking the disk at once would fight for the GIL.
        await self.images.count()
        await self.comics.check()

    async def checked(self) -> None:
        """Wait for the background count and check of `open(check_comics_later=True)`, if still running."""
        if self._checking is not None:
            await asyncio.wait([self._checking])

    # -- jobs (see JobStore) ------------------------------------------------------------------

    async def create_job(self, job: Job) -> Job:
        """Store a new job."""
        return await self.job_store.create(job)

    async def get_job(self, job_id: UUID) -> Job:
        """One job; raises JobNotFound."""
        return await self.job_store.get(job_id)

    async def peek_job(self, job_id: UUID) -> Job:
        """A job to look at, not to change: a job in progress from memory, any other from disk (see `JobStore.peek`)."""
        return await self.job_store.peek(job_id)

    async def update_job(self, job_id: UUID, change: Callable[[Job], None]) -> Job:
        """Mutate a job under its lock and store it.

        `change` edits a private copy in place and may raise to abort without writing; it changes
        the status only through `app.models.transitions.move`, which records and logs the move. A
        cancel that arrives once the change has begun takes effect after it is stored, indexed and
        published (see `JsonStore.update`): a change is either not made at all or made whole.
        """
        return await self.job_store.update(job_id, change)

    def job_counts(self) -> dict[tuple[JobStatus, JobStep], int]:
        """Jobs per (status, step), from the index in memory: no disk access."""
        return self.job_store.counts()

    async def list_jobs(self, status: JobStatus | None, limit: int, offset: int) -> tuple[int, list[Job]]:
        """A page of jobs, newest first, optionally of one status; also returns the total count."""
        return await self.job_store.page(status, limit, offset)

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
        await self.job_store.delete(comic.job_id)  # no error when the comic outlived its job record
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

    def export_all_data(self, bucket: str | None = None) -> ExportTables:
        """Every job, finished comic and library character as the export's tables; blocking, no event loop needed."""
        return store_tables(self, bucket or DEFAULT_BUCKET)

    def export_comic_data(self, comic_id: UUID | str, bucket: str | None = None) -> ExportTables:
        """One finished comic, its job and its cast as the export's tables; raises ComicNotFound. Blocking.

        The id as a UUID or as text, in any case (v2.0's README passes what the API answered).
        """
        try:
            canonical = UUID(str(comic_id))
        except ValueError:
            raise ComicNotFound(f"no comic with id {comic_id!r}") from None
        return comic_tables(self, canonical, bucket or DEFAULT_BUCKET)

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
