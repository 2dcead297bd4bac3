"""Finishing a comic: letter its panels; the page and the PDFs follow (`app/services/finishing/prints.py`).

Each panel is lettered as soon as its picture has been checked (`letter_picture`, which the
pipeline runs alongside storing the picture, while the other panels are still being drawn), so
when the last picture arrives only its lettering is left before the job completes. The raw panel
images are never changed: each gets a lettered copy (`panel-<n>.lettered.png`). The comic page
(`page.png`) and the print PDFs are made from the lettered panels just after the job completes,
or when first asked for. The Pillow work runs in the render workers (`CpuPool`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Collection
from uuid import UUID

from app.models.records import Comic, Composition, Panel, Scene
from app.rendering.tasks import letter_panel
from app.services.finishing.cpu_pool import CpuPool
from app.services.finishing.prints import ComicPrints
from app.storage.images import Images
from config import Settings

log = logging.getLogger("fable.jobs")


class Finisher:
    """Makes the finished files of a comic; only the image store touches the disk or the bucket."""

    def __init__(self, images: Images, settings: Settings, pool: CpuPool, prints: ComicPrints) -> None:
        self._images = images
        self._settings = settings
        self._pool = pool
        self.prints = prints

    async def letter(
        self, comic_id: UUID, panel: Panel, scene: Scene | None, composition: Composition, raw: bytes | None = None
    ) -> Panel:
        """The panel with its lettered copy stored (`raw`: the picture's bytes, when the caller has them).

        `composition` is who the picture was asked to show where; the lettering checks it against the pixels.
        """
        if raw is None:
            raw = await self._images.read(panel.image_path)
        path = await self.letter_picture(comic_id, panel.panel_id, scene, composition, raw)
        return panel.model_copy(update={"lettered_path": path})

    async def letter_picture(
        self, comic_id: UUID, panel_id: int, scene: Scene | None, composition: Composition, raw: bytes
    ) -> str:
        """Letter the picture `raw` of panel `panel_id` and store the copy; returns the copy's path."""
        title, dialogue = (scene.title, scene.dialogue) if scene else ("", "")
        data = await self._pool.run(letter_panel, raw, title, dialogue, composition)
        return await self._images.save_finished(comic_id, f"panel-{panel_id}.lettered.png", data)

    async def finish(self, comic: Comic, redo: Collection[int] = ()) -> Comic:
        """Letter the panels in `redo` and any not lettered yet, and point at the page and PDFs to come.

        The comic's old page and PDFs are removed; call `prints.make_soon` once the job is completed.
        """
        started = time.perf_counter()
        scenes = {scene.scene_id: scene for scene in comic.scenes}
        # Panels drawn before compositions existed: the cast in order, left to right, as they were drawn.
        cast = Composition.in_cast_order([member.name for member in comic.characters])
        todo = [p for p in comic.panels if p.panel_id in redo or p.lettered_path is None]
        done = await asyncio.gather(
            *(self.letter(comic.id, p, scenes.get(p.scene_id), p.composition or cast) for p in todo)
        )
        relettered = {panel.panel_id: panel for panel in done}
        panels = [relettered.get(panel.panel_id, panel) for panel in comic.panels]
        await self.prints.invalidate(comic.id)  # made from the lettered panels, some of which changed
        page_path, pdf_paths = self.prints.paths(comic.id)
        log.info("comic %s: lettered %d panel(s) in %.2f s", comic.id, len(todo), time.perf_counter() - started)
        return comic.model_copy(
            update={
                "panels": panels,
                "page_path": page_path,
                "pdf_path": pdf_paths[self._settings.pdf_paper],
                "pdf_paths": pdf_paths,
            }
        )
