"""The print PDFs of finished comics: made right after a comic is completed, and on demand.

Two 300-dpi PDFs take about half a second of CPU, too long to keep a creator waiting for
`completed`. So a finished comic's record names its PDFs (`comic-a4.pdf`, `comic-letter.pdf`
beside `page.png`) from the start, they are rendered in the background just after the job
completes, and a request for one that is not there yet (still rendering, or lost in a crash)
renders it then. Everything about one comic's PDFs happens under that comic's lock, so a PDF is
rendered once however many ask, and a redraw that replaces the page removes the old PDFs
(`invalidate`) before anyone can fetch them again.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import get_args
from uuid import UUID

from app.errors import ComicNotFound, CorruptDocument, MediaNotFound
from app.models.records import Comic
from app.rendering.page import PageText
from app.rendering.pdf import Paper
from app.rendering.tasks import pdf_from_page
from app.services.cpu_pool import CpuPool
from app.storage.data_manager import DataManager

log = logging.getLogger("fable.jobs")

PAPERS: tuple[Paper, ...] = get_args(Paper)
_PDF_PATH = re.compile(r"images/comics/(?P<comic>[0-9a-f-]{36})/comic-(?P<paper>a4|letter)\.pdf")


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


class ComicPrints:
    """Makes, caches and invalidates the PDFs of finished comics."""

    def __init__(self, data: DataManager, pool: CpuPool, idle: Callable[[], Awaitable[None]]) -> None:
        self._data = data
        self._pool = pool
        self._idle = idle  # returns once no job step is running (JobRunner.idle)
        self._locks: dict[UUID, asyncio.Lock] = {}
        self._pending: set[asyncio.Task[None]] = set()
        # One comic's PDFs at a time in the background (PDFs asked for by a request do not queue here).
        self._background = asyncio.Semaphore(1)
        self._closed = False

    def paths(self, comic_id: UUID) -> dict[str, str]:
        """Paper -> where the comic's PDF is kept (relative to DATA_DIR), made or not yet."""
        return {paper: self._data.images.finished_path(comic_id, pdf_name(paper)) for paper in PAPERS}

    def _lock(self, comic_id: UUID) -> asyncio.Lock:
        return self._locks.setdefault(comic_id, asyncio.Lock())

    async def invalidate(self, comic_id: UUID) -> None:
        """Remove the comic's PDFs (its page changed); they are made again when next needed."""
        async with self._lock(comic_id):
            for paper in PAPERS:
                await self._data.images.delete_finished(comic_id, pdf_name(paper))

    def make_soon(self, comic_id: UUID) -> None:
        """Render the comic's missing PDFs in the background (the job is already completed)."""
        if self._closed:
            return  # shutting down: they are rendered when next asked for
        task = asyncio.create_task(self._make_all(comic_id), name=f"pdfs-{comic_id}")
        self._pending.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._pending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # Not fatal: the PDF is rendered again when someone asks for it.
            log.error("rendering the PDFs of a comic failed", exc_info=task.exception())

    async def _make_all(self, comic_id: UUID) -> None:
        async with self._background:
            for paper in PAPERS:
                # Background work: it waits while comics are being drawn, whose lettering and pages
                # someone is waiting for, and never takes more than one render worker.
                await self._idle()
                await self.ensure(comic_id, paper)

    async def ensure_all(self, comic_id: UUID) -> dict[str, Path]:
        """Paper -> the comic's PDF file, rendering any that is missing; raises ComicNotFound."""
        files = await asyncio.gather(*(self.ensure(comic_id, paper) for paper in PAPERS))
        return dict(zip(PAPERS, files, strict=True))

    async def ensure(self, comic_id: UUID, paper: Paper) -> Path:
        """The comic's PDF on `paper`, rendered first if it is missing; raises ComicNotFound or MediaNotFound."""
        images = self._data.images
        async with self._lock(comic_id):
            relative = images.finished_path(comic_id, pdf_name(paper))
            try:
                return await images.locate(relative)
            except MediaNotFound:
                pass  # not made yet, or invalidated: make it now
            comic = await self._data.get_comic(comic_id)
            if comic.page_path is None or comic.pdf_paths.get(paper) != relative:
                raise MediaNotFound("no such file")  # a comic finished before PDFs existed
            page = await images.read(comic.page_path)
            try:
                pdf = await self._pool.run(pdf_from_page, page, page_text(comic), paper)
            except (OSError, ValueError) as exc:  # the page was damaged on disk (Pillow's errors are these)
                raise CorruptDocument(f"the page of comic {comic_id} cannot be read: {exc}") from exc
            if not await asyncio.to_thread(images.comic_folder(comic_id).is_dir):
                raise MediaNotFound("no such file")  # the comic was deleted meanwhile
            await images.save_finished(comic_id, pdf_name(paper), pdf)
            log.info("comic %s: PDF on %s rendered", comic_id, paper)
            return await images.locate(relative)

    async def locate(self, relative: str) -> Path:
        """The file of a media path: made now when it is a finished comic's missing PDF; raises MediaNotFound."""
        try:
            return await self._data.images.locate(relative)
        except MediaNotFound:
            match = _PDF_PATH.fullmatch(relative)
            if match is None:
                raise
        try:
            return await self.ensure(UUID(match["comic"]), match["paper"])  # type: ignore[arg-type]  # a4 | letter
        except (ValueError, ComicNotFound):
            raise MediaNotFound("no such file") from None

    async def aclose(self) -> None:
        """Stop the background renders (a missing PDF is rendered when next asked for)."""
        self._closed = True
        tasks = list(self._pending)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
