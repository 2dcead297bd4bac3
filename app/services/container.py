"""Builds the service graph once at start-up and closes it at shutdown (lifespan and CLI alike)."""

from __future__ import annotations

from dataclasses import dataclass

from app.models.records import Providers
from app.providers.moderation import Moderator, build_moderator
from app.services.characters import CharacterLibrary
from app.services.comic_service import ComicService
from app.services.cpu_pool import CpuPool
from app.services.events import JobEvents
from app.services.finishing import Finisher
from app.services.pipeline import Pipeline
from app.services.prints import ComicPrints
from app.services.references import ReferenceService
from app.services.runner import JobRunner
from app.storage.data_manager import DataManager
from config import Settings
from external_services import ImageModel, TextModel, build_image_model, build_text_model


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

    @classmethod
    async def start(cls, settings: Settings) -> Services:
        """Open the data folder, create the provider clients and recover interrupted jobs."""
        data = DataManager(settings.data_dir)
        jobs = await data.open(check_comics_later=True)  # serving starts while the comics are checked
        text, images = build_text_model(settings), build_image_model(settings)
        moderator = build_moderator(settings)
        runner = JobRunner(data)
        pool = CpuPool()
        prints = ComicPrints(data, pool, runner.idle)
        library = CharacterLibrary(data, moderator)
        references = ReferenceService(data, images, settings, library)
        finisher = Finisher(data.images, settings, pool, prints)
        comics = ComicService(
            data,
            runner,
            Pipeline(data, text, images, settings, moderator, finisher=finisher, references=references),
            library,
            Providers(text=text.name, image=images.name),
            moderator,
            references,
        )
        await comics.recover(jobs, resume=settings.resume_on_start)
        events = JobEvents()
        data.listeners.append(events.publish)
        pool.start_after(data.checked())  # after the start-up scans; a render call before then starts it
        return cls(settings, data, text, images, runner, comics, events, moderator, pool, prints)

    async def aclose(self) -> None:
        """Stop background work, then close the provider clients."""
        await self.prints.aclose()  # first: background PDFs would start as soon as the jobs stop
        await self.runner.shutdown()
        await self.comics.references.aclose()  # draws in flight keep their seed or request id for the next start
        await self.data.checked()
        await self.pool.aclose()
        await self.text.aclose()
        await self.images.aclose()
        await self.moderator.aclose()
