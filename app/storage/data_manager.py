"""DataManager: the one door the services use for jobs, comics, custom characters, references and images.

The records live in a document store (`documents.DocumentStore`): the JSON folders under DATA_DIR
(`file_documents.py`, the default) or PostgreSQL (`postgres/`, with DATABASE_URL; `stores.py` picks).
Images live in an image store: the images folder, or a bucket. Exports are written under
`DATA_DIR/exports/<export_id>/` either way. Nothing here depends on which store runs: what a job
write means (its timeline, its time stamp, who hears of it) is the same for both.

v2.0's documented `DataManager("data")`, `export_all_data` and `export_comic_data` still work: the
first is the file store, and the other two answer with the store's relational tables
(`app/storage/relational`), the rows the export writes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from uuid import UUID

from app.errors import ComicNotFound, InvalidRequest
from app.models.records import Character, Comic, Job
from app.models.states import JobStatus
from app.storage.documents import DocumentStore, JobCounts, StorageUsage
from app.storage.export_store import ExportStore
from app.storage.file_documents import FileDocuments
from app.storage.health import PlaceCheck
from app.storage.image_store import ImageStore
from app.storage.images import Images
from app.storage.job_feed import JobFeed, JobState, JobWrite
from app.storage.json_store import JsonStore
from app.storage.reference_store import ReferenceStore
from app.storage.relational.tables import DEFAULT_BUCKET, ExportTables, comic_tables, store_tables
from utils import utcnow

log = logging.getLogger("fable.jobs")

# What the export and v2.0's export calls say with DATABASE_URL set: they read the JSON folders.
_NOT_FILES = (
    "the export reads the JSON folders of the file store; with DATABASE_URL set the database already"
    " holds the export's tables (copy it with pg_dump)"
)


class DataManager:
    """Persistence for the whole service: a facade over a document store, an image store and the exports."""

    def __init__(
        self, data_dir: Path | str, images: Images | None = None, documents: DocumentStore | None = None
    ) -> None:
        data_dir = Path(data_dir)  # v2.0's documented use passes a str: DataManager("data")
        self.data_dir = data_dir
        self.feed = JobFeed()  # subscribe here to hear of every stored job write
        self.documents: DocumentStore = FileDocuments(data_dir) if documents is None else documents
        # The images folder unless a bucket is given (IMAGE_STORE=s3, opened by the caller).
        self.images: Images = ImageStore(data_dir) if images is None else images
        self.references = ReferenceStore(self.documents.references, self.images)  # characters' reference pictures
        self.exports = ExportStore(data_dir)
        self._checking: asyncio.Task[None] | None = None  # see open(check_comics_later=True)

    @property
    def files(self) -> FileDocuments:
        """The file store, for the export and tools that read its folders; raises InvalidRequest on PostgreSQL."""
        if not isinstance(self.documents, FileDocuments):
            raise InvalidRequest(_NOT_FILES)
        return self.documents

    @property
    def jobs(self) -> JsonStore[Job]:
        """The job documents of the file store (the export and v2.0's calls read them)."""
        return self.files.jobs.documents

    @property
    def comics(self) -> JsonStore[Comic]:
        """The comic documents of the file store."""
        return self.files.comics.documents

    @property
    def characters(self) -> JsonStore[Character]:
        """The custom character documents of the file store."""
        return self.files.characters.documents

    async def open(self, *, check_comics_later: bool = False) -> list[Job]:
        """Open the document store and count the images; returns the jobs left mid-step.

        With `check_comics_later`, the walk that counts the images and the store's slow checks (for
        the file store, that each comic is whole JSON: together most of a first start at 10,000
        comics) run in the background (see `checked`): image writes wait for the walk, the storage
        stats for the count, and until the check ends a broken comic is reported only once read.
        """
        if isinstance(self.images, ImageStore):
            await asyncio.to_thread(self.images.root.mkdir, parents=True, exist_ok=True)
        await self.documents.open(check_later=check_comics_later)
        if check_comics_later:
            self._checking = asyncio.create_task(self._count_and_check(), name="count-images-check-comics")
            self._checking.add_done_callback(_log_failure)
        else:
            await self.images.count()
        return await self.documents.jobs.unsettled()

    async def _count_and_check(self) -> None:
        # One after the other: two threads walking the disk at once would fight for the GIL.
        await self.images.count()
        await self.documents.check()

    async def checked(self) -> None:
        """Wait for the background count and check of `open(check_comics_later=True)`, if still running."""
        if self._checking is not None:
            await asyncio.wait([self._checking])

    async def aclose(self) -> None:
        """Close the document store (its connections, if any); the image store is its opener's to close."""
        await self.checked()
        await self.documents.aclose()

    # -- jobs ---------------------------------------------------------------------------------

    async def create_job(self, job: Job) -> Job:
        """Store a new job; raises Conflict when its id is taken."""
        job.record_state(job.created_at)

        def created(stored: Job) -> None:
            log.info("job %s: created, %s/%s", stored.id, stored.status, stored.step)
            self.feed.publish(JobWrite(stored, None))

        await self.documents.jobs.create(job, created)
        return job

    async def get_job(self, job_id: UUID) -> Job:
        """One job; raises JobNotFound."""
        return await self.documents.jobs.get(job_id)

    async def peek_job(self, job_id: UUID) -> Job:
        """A job to look at, not to change (the file store answers a job in progress from memory)."""
        return await self.documents.jobs.peek(job_id)

    async def update_job(self, job_id: UUID, change: Callable[[Job], None]) -> Job:
        """Mutate a job under its lock and store it.

        `change` edits a private copy in place and may raise to abort without writing; it changes
        the status only through `app.models.transitions.move`, which records and logs the move. A
        cancel that arrives once the change has begun takes effect after it is stored and
        published: a change is either not made at all or made whole.
        """
        before: JobState | None = None

        def apply(job: Job) -> Job:
            nonlocal before
            before = JobState.of(job)
            stamped = job.updated_at
            change(job)
            if job.updated_at == stamped:  # else a move stamped it, with the time its history entry has
                job.updated_at = utcnow()
            return job

        return await self.documents.jobs.update(job_id, apply, lambda job: self.feed.publish(JobWrite(job, before)))

    async def job_counts(self) -> JobCounts:
        """Jobs per (status, step): the file store's index in memory, or one query."""
        return await self.documents.jobs.counts()

    async def list_jobs(self, status: JobStatus | None, limit: int, offset: int) -> tuple[int, list[Job]]:
        """A page of jobs, newest first, optionally of one status; also returns the total count."""
        return await self.documents.jobs.page(status, limit, offset)

    # -- comics -----------------------------------------------------------------------------

    async def save_comic(self, comic: Comic) -> None:
        """Store a finished comic."""
        await self.documents.comics.put(comic)

    async def get_comic(self, comic_id: UUID) -> Comic:
        """One finished comic; raises ComicNotFound."""
        return await self.documents.comics.get(comic_id)

    async def delete_comic(self, comic_id: UUID) -> Comic:
        """Remove a comic, its images and the job that made it."""
        comic = await self.get_comic(comic_id)
        await self.images.delete_comic(comic.id)
        await self.documents.comics.delete(comic.id)
        await self.documents.jobs.delete(comic.job_id)  # no error when the comic outlived its job record
        log.info("job %s: comic %s deleted", comic.job_id, comic.id)
        return comic

    def comic_location(self, comic_id: UUID) -> str:
        """Where a comic's record is kept, for a person to read: its file, or its database row."""
        return self.documents.location(comic_id)

    # -- characters -------------------------------------------------------------------------

    async def custom_characters(self) -> list[Character]:
        """Every custom character the creator added."""
        return await self.documents.characters.custom()

    async def get_character(self, character_type: str) -> Character:
        """One custom character; raises CharacterNotFound."""
        return await self.documents.characters.get(character_type)

    async def add_character(self, character: Character) -> Character:
        """Store a new custom character; raises Conflict when the type is taken."""
        await self.documents.characters.add(character)
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
        """Where -> why, for every stored record known not to make a valid record (no I/O)."""
        return self.documents.unreadable()

    async def health(self) -> tuple[PlaceCheck, PlaceCheck]:
        """Whether the documents' place and the images' place can be used now."""
        store, images = await asyncio.gather(self.documents.health(), self.images.health())
        return store, images

    async def usage(self) -> StorageUsage:
        """What is stored and how much room it takes."""
        documents, (images, image_bytes) = await asyncio.gather(self.documents.usage(), self.images.usage())
        _, panel_bytes = await self.images.panel_usage()  # counted with the images above: no second walk
        return StorageUsage(
            documents.jobs, documents.comics, documents.characters, documents.bytes, images, image_bytes, panel_bytes
        )


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("counting the images or checking the stored comics failed", exc_info=task.exception())
