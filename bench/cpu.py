"""CPU time of the work that is ours rather than a provider's: offline panels, lettering, the page, the PDFs.

Measured in this process with `time.process_time` (the median of a few rounds) for one 6-panel
comic written by the offline scene writer.
"""

from __future__ import annotations

import asyncio
import importlib.util
import io
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image

from app.models.records import CastMember, Composition
from app.providers.offline_images import render_panel
from app.providers.offline_text import OfflineTextModel
from app.services.cast.characters import PRESETS
from external_services import ImageRequest, StoryBrief
from master_prompts import STYLES

TOPIC = "teach my kid not to accept candy from strangers"
CAST = ("girl_young", "parent_mom")


@dataclass(frozen=True)
class CpuCost:
    """CPU seconds per round of one piece of work, or why it was not measured."""

    name: str
    seconds: list[float]
    skipped: str | None = None

    @property
    def median(self) -> float:
        """Median CPU seconds."""
        return statistics.median(self.seconds)


def _cpu(work: Callable[[], object], rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        started = time.process_time()
        work()
        times.append(time.process_time() - started)
    return times


def _requests() -> list[ImageRequest]:
    cast = [CastMember(**PRESETS[name].model_dump(include=set(CastMember.model_fields))) for name in CAST]
    script = asyncio.run(OfflineTextModel().write_script(StoryBrief(TOPIC, "5-8", cast=tuple(cast))))
    return [ImageRequest("", 768, 512, 42, scene, cast, STYLES["storybook"]) for scene in script.scenes]


_FINISHING = ("letter 6 panels", "compose the page (PNG)", "render the A4 and Letter PDFs")


def _finishing(requests: list[ImageRequest], panels: list[bytes], rounds: int) -> list[CpuCost]:
    """What the pipeline's finishing step does once the panels are drawn, when `app/rendering/` exists."""
    if importlib.util.find_spec("app.rendering") is None:
        return [CpuCost(name, [], "app/rendering/ does not exist yet") for name in _FINISHING]
    try:
        from app.rendering.lettering import letter_png
        from app.rendering.page import PageText, compose_page
        from app.rendering.pdf import render_pdf
    except ImportError as exc:  # another change may be building this package right now
        return [CpuCost(name, [], f"app/rendering/ is incomplete ({exc})") for name in _FINISHING]
    composition = Composition.in_cast_order([member.name for member in requests[0].cast])

    def letter() -> list[bytes]:
        pairs = zip(requests, panels, strict=True)
        return [letter_png(png, r.scene.title, r.scene.dialogue, composition)[0] for r, png in pairs]

    lettered = [Image.open(io.BytesIO(png)).convert("RGB") for png in letter()]
    text = PageText(title=TOPIC, subtitle="A comic for ages 5-8", lessons=[r.scene.learning_point for r in requests])
    page = compose_page(lettered, text)

    def compose() -> bytes:
        out = io.BytesIO()
        compose_page(lettered, text).save(out, "PNG")
        return out.getvalue()

    def pdfs() -> list[bytes]:
        return [render_pdf(page, text, paper) for paper in ("a4", "letter")]

    return [CpuCost(name, _cpu(work, rounds)) for name, work in zip(_FINISHING, (letter, compose, pdfs), strict=True)]


def measure(rounds: int) -> list[CpuCost]:
    """Draw, letter, compose and print one 6-panel comic, `rounds` times each."""
    requests = _requests()
    panels = [render_panel(request) for request in requests]  # warm-up, and the input of lettering
    drawn = CpuCost("draw 6 offline panels", _cpu(lambda: [render_panel(r) for r in requests], rounds))
    return [drawn, *_finishing(requests, panels, rounds)]
