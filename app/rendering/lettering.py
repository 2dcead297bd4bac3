"""Lettering a panel: the scene title in a caption box, each speaker's line in its own balloon.

Lettering reads the picture first (`picture.read_picture`: faces and busy areas) and finds where
each figure of the panel's composition stands (`places`), so it is a pure function of (picture,
composition, dialogue) -> layout, which can be re-run after a redraw. `plan` finds the layout and
`render` draws it. Balloons and captions keep off faces, prefer calm regions near and above their
speaker (`costs`), and keep reading order (left to right, top to bottom in dialogue order); a tail
ends just outside its speaker's head. The type is the largest size at which everything fits,
covering at most a third of the panel (earlier items moved when they leave no room for later
ones). Only when nothing fits clear of the faces even at the smallest size may lettering cover
part of one; words that still do not fit are shortened with an ellipsis, never clipped.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, replace

from PIL import Image, ImageDraw

from app.models.records import Composition
from app.rendering import balloons
from app.rendering.balloons import Box
from app.rendering.costs import CostField
from app.rendering.fonts import font_for, normalize
from app.rendering.picture import Reading, read_picture
from app.rendering.placement import Arranger, Item, Kind
from app.rendering.places import Place, find, places
from app.rendering.png import encode_png
from app.rendering.text import Speech, parse_dialogue, shorten, text_length

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


_ALTERNATIVES = 3  # other places tried for an item when those after it do not fit
_BUDGET = 12  # searches for places per text size, so a panel that cannot fit gives up quickly


@dataclass(frozen=True)
class _Entry:
    kind: Kind
    text: str
    head: Box | None = None
    speaker: str | None = None


def _entries(title: str, speeches: list[Speech], where: list[Place]) -> list[_Entry]:
    entries = [_Entry("caption", title)] if title else []
    for speech in speeches:
        if speech.speaker is None:
            entries.append(_Entry("narration", speech.text))
        else:
            place = find(where, speech.speaker)  # None: not in the picture, so the balloon gets no tail
            head = place.head if place else None
            entries.append(_Entry("balloon", f"{speech.speaker}: {speech.text}", head, speech.speaker))
    return entries


def _fill(arranger: Arranger, entries: list[_Entry], budget: list[int], search: bool) -> bool:
    """Place `entries` after what is placed; with `search`, when one does not fit, move the one before it."""
    if not entries:
        return True
    if budget[0] <= 0:
        return False
    budget[0] -= 1
    first, rest = entries[0], entries[1:]
    # The best place alone while everything fits: alternatives are only looked for when something after fails.
    for limit in (1, _ALTERNATIVES + 1) if rest and search else (1,):
        for index, item in enumerate(arranger.candidates(first.kind, first.text, first.head, first.speaker, limit)):
            if limit > 1 and index == 0:
                continue  # tried already
            arranger.push(item)
            if _fill(arranger, rest, budget, search):
                return True
            arranger.pop()
    return False


def _arrange(field: CostField, entries: list[_Entry], size: int, faces_allowed: bool, search: bool) -> Layout | None:
    arranger = Arranger(field, size, faces_allowed)
    if not _fill(arranger, entries, [_BUDGET if search else len(entries)], search):
        return None
    layout = Layout(field.reading.width, field.reading.height, tuple(arranger.items), arranger.stroke)
    return layout if layout.covered <= layout.width * layout.height * MAX_COVER else None


def _largest_fit(
    field: CostField, entries: list[_Entry], sizes: list[int], faces_allowed: bool, search: bool
) -> Layout | None:
    """The layout at the largest of `sizes` (largest first) that fits, bisected: smaller type fits where larger does."""
    layout = _arrange(field, entries, sizes[0], faces_allowed, search)
    if layout is not None:
        return layout
    low, high = 1, len(sizes)  # sizes[:low] do not fit; the answer is in sizes[low:high]
    best = None
    while low < high:
        middle = (low + high) // 2
        layout = _arrange(field, entries, sizes[middle], faces_allowed, search)
        if layout is None:
            low = middle + 1
        else:
            best, high = layout, middle
    return best


def plan(reading: Reading, title: str, dialogue: str, composition: Composition | None = None) -> Layout:
    """The lettering layout for a read picture (see the module docstring for the rules)."""
    width, height = reading.width, reading.height
    title = " ".join(normalize(title).split())
    speeches = parse_dialogue(dialogue)
    where = places(composition or Composition(), reading)
    short = min(width, height)
    field = CostField(reading, max(4, round(short * 0.02)), [p.head for p in where if not p.seen])
    size, smallest = max(12, round(short * 0.055)), max(10, round(short * 0.026))
    sizes = [size]
    while sizes[-1] > smallest:
        sizes.append(max(smallest, sizes[-1] - max(1, sizes[-1] // 10)))
    shortened = False
    while True:
        entries = _entries(title, speeches, where)
        # Each item at its own best place first; then searching other places for earlier items; only
        # then, when the faces leave no room, covering as little of them as can be.
        for faces_allowed, search in ((False, False), (False, True), *([(True, True)] if reading.faces else [])):
            layout = _largest_fit(field, entries, sizes, faces_allowed, search)
            if layout is not None:
                return replace(layout, shortened=shortened, places=tuple(where))
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
        width = text_length(font, line)
        x = item.text_box.x0 if item.kind != "balloon" else (item.text_box.x0 + item.text_box.x1 - width) / 2
        origins.append((x, item.text_box.y0 + index * item.line_step))
    return origins


def _draw_text(draw: ImageDraw.ImageDraw, item: Item) -> None:
    font = font_for(item.text, item.font_size)
    prefix = f"{item.speaker}:" if item.speaker else ""
    for index, (line, (x, y)) in enumerate(zip(item.lines, line_origins(item), strict=True)):
        if index == 0 and prefix and line.startswith(prefix):
            draw.text((x, y), prefix, font=font, fill=_SPEAKER_INK, anchor="la")
            x += text_length(font, prefix)
            line = line[len(prefix) :]
        draw.text((x, y), line, font=font, fill=balloons.INK[:3], anchor="la")


def render(image: Image.Image, layout: Layout) -> Image.Image:
    """`image` (RGB) with the layout's frames and words drawn on it; pixels outside them are untouched."""
    lettered = image.convert("RGB") if image.mode != "RGB" else image.copy()
    region = _drawn_region(layout)
    if region is not None:
        # Frames are drawn supersampled, but only over the part of the panel they cover: scaling the
        # whole picture up and down again was a third of the lettering's time on a lightly lettered panel.
        scale = SUPERSAMPLE
        crop = lettered.crop((region.x0, region.y0, region.x1, region.y1))
        big = crop.resize((crop.width * scale, crop.height * scale), Image.Resampling.NEAREST)
        draw = ImageDraw.Draw(big)
        for item in layout.items:
            moved = _moved(item, -region.x0, -region.y0)
            if item.kind == "balloon":
                balloons.draw_balloon(draw, moved.box, item.radius, moved.tail, layout.stroke, scale)
            else:
                fill = balloons.CAPTION_FILL if item.kind == "caption" else balloons.NARRATION_FILL
                balloons.draw_caption(draw, moved.box, layout.stroke, scale, fill)
        # A box filter over nearest-neighbour copies gives back every untouched pixel exactly.
        lettered.paste(big.reduce(scale), (region.x0, region.y0))
    text_draw = ImageDraw.Draw(lettered)
    for item in layout.items:
        _draw_text(text_draw, item)
    return lettered


def _drawn_region(layout: Layout) -> Box | None:
    """The part of the panel the frames and tails touch (with a pixel to spare), or None when there are none."""
    boxes = [item.box for item in layout.items] + [balloons.tail_box(i.tail) for i in layout.items if i.tail]
    if not boxes:
        return None
    region = boxes[0]
    for box in boxes[1:]:
        region = region.union(box)
    region = region.inflate(layout.stroke + 2)
    region = Box(max(0, region.x0), max(0, region.y0), min(layout.width, region.x1), min(layout.height, region.y1))
    return region if region.area > 0 else None


def _moved(item: Item, dx: int, dy: int) -> Item:
    box = Box(item.box.x0 + dx, item.box.y0 + dy, item.box.x1 + dx, item.box.y1 + dy)
    tail = tuple((x + dx, y + dy) for x, y in item.tail) if item.tail else None
    return replace(item, box=box, tail=tail)


def letter_png(data: bytes, title: str, dialogue: str, composition: Composition | None = None) -> tuple[bytes, Layout]:
    """The panel image `data` lettered with its scene title and dialogue, as PNG bytes."""
    with Image.open(io.BytesIO(data)) as source:
        image = source.convert("RGB")
    layout = plan(read_picture(image), title, dialogue, composition)
    if layout.shortened:
        log.warning("panel text did not fit at the smallest size and was shortened: %r", dialogue[:80])
    return encode_png(render(image, layout)), layout
