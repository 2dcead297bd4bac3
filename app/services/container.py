"""Builds the service graph once at start-up and closes it at shutdown (lifespan and CLI alike)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from app.models.records import Providers
from app.providers.moderation import Moderator, build_moderator
from app.services.cast.characters import CharacterLibrary
from app.services.cast.references import ReferenceService
from app.services.finishing.cpu_pool import CpuPool
from app.services.finishing.finishing import Finisher
from app.services.finishing.prints import ComicPrints
from app.services.jobs.comic_service import ComicService
from app.services.jobs.events import JobEvents
from app.services.jobs.pipeline import Pipeline
from app.services.jobs.runner import JobRunner
from app.services.ops.metered import MeteredImages, MeteredModerator, MeteredText
from app.services.ops.metrics import Metrics
from app.services.ops.warm_up import start_warm_up
from app.storage import folder_lock
from app.storage.data_manager import DataManager
from app.storage.folder_lock import FolderLock
from app.storage.image_store import ImageStore
from app.storage.images import Images
from app.storage.stores import document_store
from config import Settings
from external_services import ImageModel, TextModel, build_image_model, build_text_model


async def open_image_store(settings: Settings) -> Images:
    """The images folder, or with IMAGE_STORE=s3 the bucket, opened; raises StorageUnavailable, in one
    line naming the endpoint and the bucket, when the bucket cannot be used."""
    if settings.image_store == "files":
        return ImageStore(settings.data_dir)
    # Imported only for a bucket: aiobotocore takes ~0.3 s to import, a third of a start-up.
    from app.storage.bucket import BucketImageStore
    from app.storage.s3_client import s3_target

    bucket = BucketImageStore(s3_target(settings))
    await bucket.open()
    return bucket


async def check_image_store(settings: Settings) -> None:
    """Open and close the image store: raises StorageUnavailable as `open_image_store` does."""
    images = await open_image_store(settings)
    await images.aclose()


@dataclass
class Services:
    """Everything a request or a CLI command needs, created once."""

    settings: Settings
    data: DataManager
    text: TextModel
    images: ImageModel
    runner: JobRunner
    comics: ComicService
    events: JobEvents
    moderator: Moderator
    pool: CpuPool
    prints: ComicPrints
    lock: FolderLock  # this process owns DATA_DIR while the services run (app/storage/folder_lock.py)
    metrics: Metrics  # served by GET /metrics (app/services/ops/metrics.py)
    warming: asyncio.Task[None] | None = None  # see app/services/ops/warm_up.py

    @classmethod
    async def start(cls, settings: Settings) -> Services:
        """Take and open the data folder, create the provider clients and recover interrupted jobs.

        Raises FolderBusy when another process holds the folder: its jobs mid-step are its own, not
        orphans to mark `interrupted`, so nothing is read or changed before the lock is ours.
        """
        lock = await asyncio.to_thread(folder_lock.hold, settings.data_dir)
        try:
            return await cls._start(settings, lock)
        except BaseException:
            lock.release()
            raise

    @classmethod
    async def _start(cls, settings: Settings, lock: FolderLock) -> Services:
        images = await open_image_store(settings)
        data = DataManager(settings.data_dir, images, document_store(settings))
        try:
            jobs = await data.open(check_comics_later=True)
        except BaseException:
            await data.aclose()
            await images.aclose()
            raise  # serving starts while the comics are checked
        text, images = build_text_model(settings), build_image_model(settings)
        moderator = build_moderator(settings)
        metrics = Metrics(settings.instance_id)
        # The services call the providers through meters; the container keeps the bare ones (for
        # /health's model names, warming up and closing).
        metered_text, metered_images = MeteredText(text, metrics), MeteredImages(images, metrics)
        metered_moderator = MeteredModerator(moderator, metrics)
        runner = JobRunner(data)
        pool = CpuPool()
        prints = ComicPrints(data, pool, runner.idle)
        library = CharacterLibrary(data, metered_moderator)
        references = ReferenceService(data, metered_images, settings, library)
        finisher = Finisher(data.images, settings, pool, prints)
        pipeline = Pipeline(
            data, metered_text, metered_images, settings, metered_moderator, finisher=finisher, references=references
        )
        comics = ComicService(
            data,
            runner,
            pipeline,
            library,
            Providers(text=text.name, image=images.name),
            metered_moderator,
            references,
        )
        await comics.recover(jobs, resume=settings.resume_on_start)
        events = JobEvents(settings.max_event_streams_per_job, settings.max_event_streams)
        data.feed.subscribe(events.publish)
        # Only after the recovery: a job it marks interrupted did not spend the downtime in its step.
        data.feed.subscribe(metrics.job_stored)
        pool.start_after(data.checked())  # after the start-up scans; a render call before then starts it
        warming = start_warm_up(data.checked(), [text, images, moderator])
        return cls(
            settings, data, text, images, runner, comics, events, moderator, pool, prints, lock, metrics, warming
        )

    async def aclose(self) -> None:
        """Stop background work, then close the provider clients."""
        await self.prints.aclose()  # first: background PDFs would start as soon as the jobs stop
        if self.warming is not None:  # a thread already warming up finishes on its own
            self.warming.cancel()
            await asyncio.wait([self.warming])
        await self.runner.shutdown()
        await self.comics.preparer.shutdown()  # before the text client it calls is closed
        await self.comics.references.aclose()  # draws in flight keep their seed or request id for the next start
        await self.data.checked()
        await self.pool.aclose()
        await self.text.aclose()
        await self.images.aclose()
        await self.moderator.aclose()
        await self.data.images.aclose()  # after every job and render that could still write an image
        await self.data.aclose()  # the database's connections, once nothing can write a record
        await asyncio.to_thread(self.lock.release)  # last: every job's writes have stopped
