"""The offline illustrator: draws a clear draft panel from the scene, cast and style with Pillow.

Used when no fal.ai key is configured and in tests. It reads the structured request rather than the
prompt: the setting comes from the scene's words, each cast member becomes a simple figure coloured
from its description, and the art style changes palette, outlines and texture. The same request
always gives the same bytes.

It draws character references too (`ImageRequest.reference_of`: the figure alone on plain paper),
and draws panels from them: a figure whose reference is in the request takes its colours from the
reference picture's pixels (`sketch/reference.py`), so an uploaded reference changes the panels.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from dataclasses import dataclass
from random import Random

from PIL import Image

from app.models.records import CastMember
from app.providers import sketch
from external_services import DrawnImage, ImageRequest

MAX_FIGURES = 4
_GENERIC_CHILD = CastMember(
    character_type="child",
    name="",
    description="A smiling child in a blue t-shirt.",
    visual_tags=["child", "short brown hair", "blue t-shirt"],
    age_group="5-8",
)
_REFERENCE_PAPER = (246, 244, 238)  # a plain, light background the figure stands out from
# Heights relative to an adult, so that adults always stand taller than children.
_KIND_HEIGHT = {"adult": 1.0, "preteen": 0.84, "child": 0.72}


@dataclass(frozen=True)
class FigureSlot:
    """Where one figure stands: centre x, feet y, height and the width its name label may use."""

    kind: str
    cx: float
    base: float
    height: float
    label_width: float


@dataclass(frozen=True)
class _Prop:
    label: str
    cx: float
    base: float
    size: float
    label_width: float


def figure_layout(cast: Sequence[CastMember], width: int, height: int) -> list[FigureSlot]:
    """Evenly spaced standing places for up to four figures, scaled down so none overlap."""
    members = list(cast[:MAX_FIGURES]) or [_GENERIC_CHILD]
    kinds = [sketch.figure_kind(m.age_group, m.visual_tags, m.description) for m in members]
    step = width / (len(members) + 1)
    adult_h = height * 0.62
    # Shrink everyone by the same factor so relative heights survive a crowded or narrow panel.
    widest = max(sketch.WIDTH_RATIO[k] * _KIND_HEIGHT[k] * adult_h for k in kinds)
    scale = min(1.0, 0.82 * step / widest)
    base = height * 0.86
    return [
        FigureSlot(k, step * (i + 1), base, adult_h * _KIND_HEIGHT[k] * scale, step * 0.96) for i, k in enumerate(kinds)
    ]


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

    members = list(request.cast[:MAX_FIGURES]) or [_GENERIC_CHILD]
    slots = figure_layout(members, w, h)
    props = _prop_places(scene.visual_elements[:2], slots, w, h)
    for prop in props:
        sketch.draw_prop(pen, prop.label, prop.cx, prop.base, prop.size)
    looks = sketch.cast_traits([(m.name, m.description, m.visual_tags, m.age_group) for m in members])
    # Drawn from the references, like a reference-conditioned model: each figure wears its picture's colours.
    pictures = {ref.character_type: ref.data for ref in request.references}
    looks = [sketch.with_reference(t, pictures.get(m.character_type)) for m, t in zip(members, looks, strict=True)]
    for slot, traits in zip(slots, looks, strict=True):
        sketch.draw_figure(pen, traits, slot.cx, slot.base, slot.height)

    # Effects run before the text so that names stay crisp.
    image = sketch.finish(image, look)
    pen = sketch.Pen(image, look)
    size = max(11, round(min(w, h) * 0.034))
    for slot, m in zip(slots, members, strict=True):
        if m.name:
            sketch.label(pen, m.name, slot.cx, slot.base + h * 0.015, size, slot.label_width)
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
    # Props go in the free space at the two edges, outside the first and last figure.
    first = slots[0]
    half = sketch.WIDTH_RATIO[first.kind] * first.height / 2
    gap = min(first.cx - half, w - slots[-1].cx - half)
    size = min(gap * 0.75, h * 0.14)
    if size < h * 0.05:
        return []
    base = first.base - h * 0.02
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
