"""Finishing a comic: letter its panels, then compose the page PNG and the PDFs from them.

Runs when the panels are all drawn and again after a panel is redrawn or restored. The raw panel
images are never changed: each gets a lettered copy (`panel-<n>.lettered.png`), and the page
(`page.png`) and one PDF per paper size (`comic-a4.pdf`, `comic-letter.pdf`) are written next to
them. Pillow work runs in worker threads, the PDFs in parallel.
"""

from __future__ import annotations

import asyncio
import io
import logging
import time
from collections.abc import Collection

from PIL import Image

from app.models.records import Comic, Panel, Scene
from app.rendering.lettering import letter_png
from app.rendering.page import PageText, compose_page
from app.rendering.pdf import Paper, render_pdf
from app.storage.image_store import ImageStore
from config import Settings

log = logging.getLogger("fable.jobs")


def page_text(comic: Comic) -> PageText:
    """The title, subtitle and lessons printed around the panels."""
    return PageText(
        title=comic.title,
        subtitle=f"A Fable Tales comic for ages {comic.age_group}",
        lessons=[scene.learning_point for scene in comic.scenes if scene.learning_point.strip()],
    )


def _compose(lettered: list[bytes], text: PageText) -> tuple[bytes, Image.Image]:
    images = []
    for data in lettered:
        with Image.open(io.BytesIO(data)) as image:
            images.append(image.convert("RGB"))
    page = compose_page(images, text)
    out = io.BytesIO()
    page.save(out, "PNG", compress_level=6)
    return out.getvalue(), page


class Finisher:
    """Makes the finished files of a comic; only `ImageStore` touches the disk."""

    def __init__(self, images: ImageStore, settings: Settings) -> None:
        self._images = images
        self._settings = settings

    async def finish(self, comic: Comic, redo: Collection[int] | None = None) -> Comic:
        """Letter the panels (all, or those in `redo` and any never lettered), then make the page and PDFs."""
        started = time.perf_counter()
        scenes = {scene.scene_id: scene for scene in comic.scenes}
        speakers = [member.name for member in comic.characters]
        todo = [p for p in comic.panels if redo is None or p.panel_id in redo or p.lettered_path is None]
        done = await asyncio.gather(*(self._letter(comic, p, scenes.get(p.scene_id), speakers) for p in todo))
        relettered = {panel.panel_id: panel for panel in done}
        panels = [relettered.get(panel.panel_id, panel) for panel in comic.panels]

        lettered = await asyncio.gather(*(self._images.read(p.lettered_path or p.image_path) for p in panels))
        text = page_text(comic)
        page_png, page = await asyncio.to_thread(_compose, list(lettered), text)
        page_path = await self._images.save_finished(comic.id, "page.png", page_png)
        papers: list[Paper] = ["a4", "letter"]
        pdfs = await asyncio.gather(*(asyncio.to_thread(render_pdf, page, text, paper) for paper in papers))
        pdf_paths = {
            paper: await self._images.save_finished(comic.id, f"comic-{paper}.pdf", pdf)
            for paper, pdf in zip(papers, pdfs, strict=True)
        }
        log.info(
            "comic %s: lettered %d panel(s), page and %d PDFs in %.2f s",
            comic.id,
            len(todo),
            len(pdf_paths),
            time.perf_counter() - started,
        )
        main_pdf = pdf_paths[self._settings.pdf_paper]
        return comic.model_copy(
            update={"panels": panels, "page_path": page_path, "pdf_path": main_pdf, "pdf_paths": pdf_paths}
        )

    async def _letter(self, comic: Comic, panel: Panel, scene: Scene | None, speakers: list[str]) -> Panel:
        raw = await self._images.read(panel.image_path)
        title, dialogue = (scene.title, scene.dialogue) if scene else ("", "")
        data, _ = await asyncio.to_thread(letter_png, raw, title, dialogue, speakers)
        path = await self._images.save_finished(comic.id, f"panel-{panel.panel_id}.lettered.png", data)
        return panel.model_copy(update={"lettered_path": path})
