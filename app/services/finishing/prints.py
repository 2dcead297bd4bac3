"""The comic page and the print PDFs of finished comics: made just after `completed`, and on demand.

Composing the page (`page.png`) takes ~0.1 s of CPU and two 300-dpi PDFs ~0.6 s, too long to
keep a creator waiting for `completed` (the reader page shows the lettered panels themselves).
So a finished comic's record names these files from the start (their paths are fixed), they are
made in the background once the job is done, and a request for one that is not there yet (still
waiting, or lost because the service stopped first) makes it then. Everything about one comic's
files happens under that comic's lock, so each is made once however many ask, and a redraw that
re-letters a panel removes the old page and PDFs (`invalidate`) before anyone can fetch them.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import get_args
from uuid import UUID

from app.errors import ComicNotFound, CorruptDocument, MediaNotFound
from app.models.records import Comic
from app.rendering.page import PageText
from app.rendering.pdf import Paper
from app.rendering.tasks import page_png, pdf_from_page
from app.services.finishing.cpu_pool import CpuPool
from app.storage.critical import KeyedLocks
from app.storage.data_manager import DataManager
from app.storage.images import StoredMedia

log = logging.getLogger("fable.jobs")

PAGE = "page.png"
PAPERS: tuple[Paper, ...] = get_args(Paper)
_PAPER_OF: dict[str, Paper] = {f"comic-{paper}.pdf": paper for paper in PAPERS}
_PRINT_PATH = re.compile(r"images/comics/(?P<comic>[0-9a-f-]{36})/(?P<name>page\.png|comic-(?:a4|letter)\.pdf)")


def page_text(comic: Comic) -> PageText:
    """The title, subtitle and lessons printed around the panels."""
    return PageText(
        title=comic.title,
        subtitle=f"A Fable Tales comic for ages {comic.age_group}",
        lessons=[scene.learning_point for scene in comic.scenes if scene.learning_point.strip()],
    )


def pdf_name(paper: Paper) -> str:
    """The file name of a comic's PDF on `paper`."""
    return f"comic-{paper}.pdf"


def _named(comic: Comic, name: str) -> str | None:
    """Where the comic's record says its file `name` is (None: it has none)."""
    return comic.page_path if name == PAGE else comic.pdf_paths.get(_PAPER_OF[name])


class ComicPrints:
    """Makes, keeps and invalidates the page and the PDFs of finished comics."""

    def __init__(self, data: DataManager, pool: CpuPool, idle: Callable[[], Awaitable[None]]) -> None:
        self._data = data
        self._pool = pool
        self._idle = idle  # returns once no job step is running (JobRunner.idle)
        self._lock: KeyedLocks[UUID] = KeyedLocks()  # one per comic whose files are being made or removed
        self._pending: set[asyncio.Task[None]] = set()
        # One comic at a time in the background (files asked for by a request do not queue here).
        self._background = asyncio.Semaphore(1)
        self._closed = False

    def paths(self, comic_id: UUID) -> tuple[str, dict[str, str]]:
        """Where the comic's page and its PDF per paper are kept (relative to DATA_DIR), made or not yet."""
        images = self._data.images
        pdfs = {paper: images.finished_path(comic_id, pdf_name(paper)) for paper in PAPERS}
        return images.finished_path(comic_id, PAGE), pdfs

    async def invalidate(self, comic_id: UUID) -> None:
        """Remove the comic's page and PDFs (its lettered panels changed); they are made again when needed."""
        async with self._lock(comic_id):
            for name in (PAGE, *map(pdf_name, PAPERS)):
                await self._data.images.delete_finished(comic_id, name)

    def make_soon(self, comic_id: UUID) -> None:
        """Make the comic's missing page and PDFs in the background (the job is already completed)."""
        if self._closed:
            return  # shutting down: they are made when next asked for
        task = asyncio.create_task(self._make_all(comic_id), name=f"prints-{comic_id}")
        self._pending.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._pending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # Not fatal: the file is made again when someone asks for it.
            log.error("making the page or PDFs of a comic failed", exc_info=task.exception())

    async def _make_all(self, comic_id: UUID) -> None:
        async with self._background:
            for name in (PAGE, *map(pdf_name, PAPERS)):
                # Background work: it waits while comics are being drawn, whose lettering someone is
                # waiting for, and never takes more than one render worker.
                await self._idle()
                await self.ensure(comic_id, name)

    async def ensure_all(self, comic_id: UUID) -> dict[str, str]:
        """File name -> the stored path of the comic's page and PDFs, making any that is missing;
        raises ComicNotFound."""
        names = (PAGE, *map(pdf_name, PAPERS))
        return {name: await self.ensure(comic_id, name) for name in names}

    async def ensure(self, comic_id: UUID, name: str) -> str:
        """The stored path of the comic's page or PDF (`name`), made first if missing; raises ComicNotFound
        or MediaNotFound."""
        async with self._lock(comic_id):
            return await self._ensure(comic_id, name)

    async def _ensure(self, comic_id: UUID, name: str) -> str:
        # Called under the comic's lock.
        images = self._data.images
        relative = images.finished_path(comic_id, name)
        if await images.exists(relative):
            return relative  # else not made yet, or invalidated: make it now
        comic = await self._data.get_comic(comic_id)
        if _named(comic, name) != relative:
            raise MediaNotFound("no such file")  # a comic finished before these files existed
        try:
            if name == PAGE:
                lettered = await asyncio.gather(*(images.read(p.lettered_path or p.image_path) for p in comic.panels))
                data = await self._pool.run(page_png, list(lettered), page_text(comic))
            else:
                await self._ensure(comic_id, PAGE)  # the PDFs are made from the page
                page = await images.read(images.finished_path(comic_id, PAGE))
                data = await self._pool.run(pdf_from_page, page, page_text(comic), _PAPER_OF[name])
        except (OSError, ValueError) as exc:  # a stored picture was damaged (Pillow's errors are these)
            raise CorruptDocument(f"a stored picture of comic {comic_id} cannot be read: {exc}") from exc
        if not await images.has_comic(comic_id):
            raise MediaNotFound("no such file")  # the comic was deleted meanwhile
        await images.save_finished(comic_id, name, data)
        log.info("comic %s: %s made", comic_id, name)
        return relative

    async def media(self, relative: str) -> StoredMedia:
        """A stored file by its media path; a finished comic's page or PDF not made yet is made first
        (MediaNotFound)."""
        try:
            return await self._data.images.media(relative)
        except MediaNotFound:
            match = _PRINT_PATH.fullmatch(relative)
            if match is None:
                raise
        try:
            made = await self.ensure(UUID(match["comic"]), match["name"])
        except (ValueError, ComicNotFound):
            raise MediaNotFound("no such file") from None
        return await self._data.images.media(made)

    async def aclose(self) -> None:
        """Stop the background work (a missing file is made when next asked for)."""
        self._closed = True
        tasks = list(self._pending)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
