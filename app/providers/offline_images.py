"""The offline illustrator: draws a clear draft panel from the scene, cast and style with Pillow.

Used when no fal.ai key is configured and in tests. It reads the structured request rather than the
prompt: the setting comes from the scene's words, each cast member becomes a simple figure coloured
from its description, and the art style changes palette, outlines and texture. With a composition
(`request.composition`) it draws exactly the panel's figures where it places them, extras as
silhouettes; `figure_layout` says where. The same request always gives the same bytes. It draws
character references too (`ImageRequest.reference_of`: the figure alone on plain paper), and
draws panels from them: a figure whose reference is in the request takes its colours from the
reference picture's pixels (`sketch/reference.py`), so an uploaded reference changes the panels.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from dataclasses import dataclass
from random import Random

from PIL import Image

from app.providers import sketch
from app.providers.figure_layout import GENERIC_CHILD, MAX_FIGURES, FigureSlot, figure_layout
from external_services import DrawnImage, ImageRequest

__all__ = ["MAX_FIGURES", "FigureSlot", "OfflineImageModel", "figure_layout", "render_panel"]
_REFERENCE_PAPER = (246, 244, 238)  # a plain, light background the figure stands out from


@dataclass(frozen=True)
class _Prop:
    label: str
    cx: float
    base: float
    size: float
    label_width: float


def render_panel(request: ImageRequest) -> bytes:
    """Draw the draft panel `request` describes and return it as PNG bytes (pure and deterministic)."""
    w, h = request.width, request.height
    scene = request.scene
    look = sketch.look_for(request.style.name if request.style else None)
    rng = Random(request.seed * 1009 + scene.scene_id)  # per panel, never the global generator
    image = Image.new("RGB", (w, h), (255, 255, 255))
    pen = sketch.Pen(image, look)
    kind, variant = sketch.pick_setting(scene.title, scene.description, scene.visual_elements)
    sketch.draw_setting(pen, kind, variant, rng)
    if look.name == "paper_cutout":
        sketch.paper_texture(pen, rng)

    slots = figure_layout(request.cast, w, h, request.composition)
    props = _prop_places(scene.visual_elements[:2], [s for s in slots if s.depth == "front"], w, h)
    for prop in props:
        sketch.draw_prop(pen, prop.label, prop.cx, prop.base, prop.size)
    # Traits of the whole cast, not of the panel's figures, so each character keeps one look in every panel.
    members = list(request.cast) or [GENERIC_CHILD]
    traits = sketch.cast_traits([(m.name, m.description, m.visual_tags, m.age_group) for m in members])
    # Drawn from the references, like a reference-conditioned model: each figure wears its picture's colours.
    pictures = {ref.character_type: ref.data for ref in request.references}
    traits = [sketch.with_reference(t, pictures.get(m.character_type)) for m, t in zip(members, traits, strict=True)]
    by_name = {m.name.casefold(): t for m, t in zip(members, traits, strict=True)}
    for slot in slots:
        if slot.extra:
            sketch.draw_extra(pen, slot.kind, sketch.extra_colour(slot.look), slot.cx, slot.base, slot.height)
        else:
            sketch.draw_figure(pen, by_name.get(slot.name.casefold(), traits[0]), slot.cx, slot.base, slot.height)

    # Effects run before the text so that names stay crisp.
    image = sketch.finish(image, look)
    pen = sketch.Pen(image, look)
    size = max(11, round(min(w, h) * 0.034))
    for slot in slots:
        if slot.name:  # an extra's tag is grey, a cast member's white: never one mistaken for the other
            fill = sketch.EXTRA_TAG if slot.extra else (255, 255, 255)
            sketch.label(pen, slot.name, slot.cx, slot.base + h * 0.015, size, slot.label_width, fill)
    small = max(10, round(min(w, h) * 0.028))
    for prop in props:
        top = prop.base - prop.size * 1.25 - small * 1.4
        sketch.label(pen, prop.label, prop.cx, top, small, prop.label_width, (236, 242, 250))
    sketch.border(pen)

    buffer = io.BytesIO()
    # Low compression: these drafts are regenerated on demand, so speed beats file size.
    image.save(buffer, "PNG", optimize=False, compress_level=1)
    return buffer.getvalue()


def render_reference(request: ImageRequest) -> bytes:
    """Draw the reference picture of `request.reference_of`: the figure alone, full length, on plain paper."""
    member = request.reference_of
    if member is None:
        raise ValueError("not a reference request")
    w, h = request.width, request.height
    look = sketch.look_for(request.style.name if request.style else None)
    image = Image.new("RGB", (w, h), look.tint(_REFERENCE_PAPER))
    pen = sketch.Pen(image, look)
    [traits] = sketch.cast_traits([(member.name, member.description, member.visual_tags, member.age_group)])
    kind_width = sketch.WIDTH_RATIO[traits.kind]
    tall = min(h * 0.86, w * 0.9 / kind_width)  # every figure as tall as the picture allows: the whole body shows
    sketch.draw_figure(pen, traits, w / 2, h * 0.93, tall)
    image = sketch.finish(image, look)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=False, compress_level=1)
    return buffer.getvalue()


def _prop_places(elements: Sequence[str], slots: list[FigureSlot], w: int, h: int) -> list[_Prop]:
    # Props go in the free space at the two edges, outside the first and last figure of the front row.
    if slots:
        first = slots[0]
        half = sketch.WIDTH_RATIO[first.kind] * first.height / 2
        gap = min(first.cx - half, w - slots[-1].cx - sketch.WIDTH_RATIO[slots[-1].kind] * slots[-1].height / 2)
    else:
        gap = w * 0.3
    size = min(gap * 0.75, h * 0.14)
    if size < h * 0.05:
        return []
    base = h * 0.84
    return [_Prop(e, cx, base, size, gap * 0.95) for e, cx in zip(elements, (gap / 2, w - gap / 2), strict=False)]


def _render(request: ImageRequest) -> bytes:
    return render_reference(request) if request.reference_of is not None else render_panel(request)


class OfflineImageModel:
    """Draws draft panels locally, with no key and no network."""

    name = "offline"

    async def draw(self, request: ImageRequest) -> DrawnImage:
        """The PNG draft panel for `request`, rendered in a worker thread."""
        data = await asyncio.to_thread(_render, request)
        return DrawnImage(data=data, content_type="image/png", seed=request.seed, source_url=None)

    async def aclose(self) -> None:
        """Nothing to release."""
