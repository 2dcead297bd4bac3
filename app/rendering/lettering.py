"""Lettering a panel: the scene title in a caption box, each speaker's line in its own balloon.

Lettering reads the picture first (`picture.read_picture`: faces and busy areas) and finds where
each figure of the panel's composition stands (`places`), so it is a pure function of (picture,
composition, dialogue) -> layout, which can be re-run after a redraw. `plan` finds the layout and
`render` draws it. Balloons and captions keep off faces, prefer calm regions near and above their
speaker (`costs`), and keep reading order (left to right, top to bottom in dialogue order); a tail
ends just outside its speaker's head. The type shrinks until everything fits, covering at most a
third of the panel. Words that do not fit even at the smallest size are shortened with an ellipsis,
never clipped; only then may lettering cover part of a face.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, replace

from PIL import Image, ImageDraw

from app.models.records import Composition
from app.rendering import balloons
from app.rendering.costs import CostField
from app.rendering.fonts import font_for, normalize
from app.rendering.picture import Reading, read_picture
from app.rendering.placement import Arranger, Item
from app.rendering.places import Place, find, places
from app.rendering.png import encode_png
from app.rendering.text import Speech, parse_dialogue, shorten

__all__ = ["Item", "Layout", "letter_png", "line_origins", "plan", "render"]

log = logging.getLogger(__name__)

MAX_COVER = 1 / 3
SUPERSAMPLE = 3
_SPEAKER_INK = (29, 78, 137)


@dataclass(frozen=True)
class Layout:
    """Everything lettered on one panel, and the places of the figures it was lettered for."""

    width: int
    height: int
    items: tuple[Item, ...]
    stroke: int
    shortened: bool = False
    places: tuple[Place, ...] = ()

    @property
    def covered(self) -> int:
        """Pixels under lettering (frames and tails)."""
        tails = sum(balloons.tail_box(i.tail).area // 2 for i in self.items if i.tail)
        return sum(item.box.area for item in self.items) + tails


def _arrange(
    field: CostField, title: str, speeches: list[Speech], where: list[Place], size: int, faces_allowed: bool
) -> Layout | None:
    arranger = Arranger(field, size, faces_allowed)
    if title and not arranger.add("caption", title):
        return None
    for speech in speeches:
        if speech.speaker is None:
            placed = arranger.add("narration", speech.text)
        else:
            place = find(where, speech.speaker)  # None: not in the picture, so the balloon gets no tail
            head = place.head if place else None
            placed = arranger.add("balloon", f"{speech.speaker}: {speech.text}", head, speech.speaker)
        if not placed:
            return None
    layout = Layout(field.reading.width, field.reading.height, tuple(arranger.items), arranger.stroke)
    return layout if layout.covered <= layout.width * layout.height * MAX_COVER else None


def plan(reading: Reading, title: str, dialogue: str, composition: Composition | None = None) -> Layout:
    """The lettering layout for a read picture (see the module docstring for the rules)."""
    width, height = reading.width, reading.height
    title = " ".join(normalize(title).split())
    speeches = parse_dialogue(dialogue)
    where = places(composition or Composition(), reading)
    short = min(width, height)
    field = CostField(reading, max(4, round(short * 0.02)), [p.head for p in where if not p.seen])
    size, smallest = max(12, round(short * 0.055)), max(10, round(short * 0.026))
    shortened = faces_allowed = False
    while True:
        layout = _arrange(field, title, speeches, where, size, faces_allowed)
        if layout is not None:
            return replace(layout, shortened=shortened, places=tuple(where))
        if size > smallest:
            size = max(smallest, size - max(1, size // 10))
            continue
        if not faces_allowed and reading.faces:  # the faces leave no room: cover as little of them as can be
            faces_allowed = True
            continue
        # Nothing fits at the smallest size: shorten the longest text, else drop the last speech.
        shortened = True
        texts = [title, *(s.text for s in speeches)]
        longest = max(range(len(texts)), key=lambda i: len(texts[i]))
        if shorten(texts[longest]) != texts[longest]:
            if longest == 0:
                title = shorten(title)
            else:
                old = speeches[longest - 1]
                speeches[longest - 1] = Speech(old.speaker, shorten(old.text))
        elif speeches:
            speeches.pop()
        elif title:
            title = ""
        else:
            return Layout(width, height, (), 1, shortened=True, places=tuple(where))


def line_origins(item: Item) -> list[tuple[float, float]]:
    """Where each line of `item` starts (left, top): centred in balloons, flush left in boxes."""
    font = font_for(item.text, item.font_size)
    origins = []
    for index, line in enumerate(item.lines):
        width = font.getlength(line)
        x = item.text_box.x0 if item.kind != "balloon" else (item.text_box.x0 + item.text_box.x1 - width) / 2
        origins.append((x, item.text_box.y0 + index * item.line_step))
    return origins


def _draw_text(draw: ImageDraw.ImageDraw, item: Item) -> None:
    font = font_for(item.text, item.font_size)
    prefix = f"{item.speaker}:" if item.speaker else ""
    for index, (line, (x, y)) in enumerate(zip(item.lines, line_origins(item), strict=True)):
        if index == 0 and prefix and line.startswith(prefix):
            draw.text((x, y), prefix, font=font, fill=_SPEAKER_INK, anchor="la")
            x += font.getlength(prefix)
            line = line[len(prefix) :]
        draw.text((x, y), line, font=font, fill=balloons.INK[:3], anchor="la")


def render(image: Image.Image, layout: Layout) -> Image.Image:
    """`image` (RGB) with the layout's frames and words drawn on it; pixels outside them are untouched."""
    scale = SUPERSAMPLE
    big = image.convert("RGB").resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST)
    draw = ImageDraw.Draw(big)
    for item in layout.items:
        if item.kind == "balloon":
            balloons.draw_balloon(draw, item.box, item.radius, item.tail, layout.stroke, scale)
        else:
            fill = balloons.CAPTION_FILL if item.kind == "caption" else balloons.NARRATION_FILL
            balloons.draw_caption(draw, item.box, layout.stroke, scale, fill)
    # A box filter over nearest-neighbour copies gives back every untouched pixel exactly.
    lettered = big.reduce(scale)
    text_draw = ImageDraw.Draw(lettered)
    for item in layout.items:
        _draw_text(text_draw, item)
    return lettered


def letter_png(data: bytes, title: str, dialogue: str, composition: Composition | None = None) -> tuple[bytes, Layout]:
    """The panel image `data` lettered with its scene title and dialogue, as PNG bytes."""
    with Image.open(io.BytesIO(data)) as source:
        image = source.convert("RGB")
    layout = plan(read_picture(image), title, dialogue, composition)
    if layout.shortened:
        log.warning("panel text did not fit at the smallest size and was shortened: %r", dialogue[:80])
    return encode_png(render(image, layout)), layout
