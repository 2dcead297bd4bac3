"""Lettering a panel: the scene title in a caption box, each speaker's line in its own balloon.

`plan` finds the layout and `render` draws it. The type shrinks until everything fits inside the
panel, without overlaps, in reading order (left to right, top to bottom) and covering at most a
third of the panel. Words that do not fit even at the smallest size are shortened with an
ellipsis, never clipped. A balloon's tail points at where its speaker stands: the cast in order
from left to right, as the offline illustrator draws them.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from PIL import Image, ImageDraw

from app.rendering import balloons
from app.rendering.balloons import Box, Point
from app.rendering.fonts import font_for, normalize
from app.rendering.png import encode_png
from app.rendering.text import Speech, parse_dialogue, shorten, wrap

log = logging.getLogger(__name__)

MAX_COVER = 1 / 3
SUPERSAMPLE = 3
_SPEAKER_INK = (29, 78, 137)
_MAX_CAST = 4  # the illustrator draws at most four figures


Kind = Literal["caption", "balloon", "narration"]


@dataclass(frozen=True)
class Item:
    """One placed piece of lettering: its frame, where its lines go and how big they are."""

    kind: Kind
    box: Box
    text_box: Box
    lines: tuple[str, ...]
    text: str
    font_size: int
    line_step: int
    radius: int = 0
    speaker: str | None = None
    tail: tuple[Point, Point, Point] | None = None


@dataclass(frozen=True)
class Layout:
    """Everything lettered on one panel."""

    width: int
    height: int
    items: tuple[Item, ...]
    stroke: int
    shortened: bool = False

    @property
    def covered(self) -> int:
        """Pixels under lettering (frames and tails)."""
        tails = sum(balloons.tail_box(i.tail).area // 2 for i in self.items if i.tail)
        return sum(item.box.area for item in self.items) + tails


def _anchor(speaker: str, speakers: Sequence[str], width: int, unknown: list[str]) -> float:
    cast = [name.casefold() for name in speakers[:_MAX_CAST]]
    key = speaker.casefold()
    for index, name in enumerate(cast):
        if key == name or key == name.split(" ")[0] or name == key.split(" ")[0]:
            return width * (index + 1) / (len(cast) + 1)
    if key not in unknown:
        unknown.append(key)
    return width * (0.72 if unknown.index(key) % 2 == 0 else 0.28)


class _Arranger:
    """Places the items at one text size, or reports that they do not fit."""

    def __init__(self, width: int, height: int, size: int) -> None:
        self.width, self.height, self.size = width, height, size
        short = min(width, height)
        self.margin = max(4, round(short * 0.03))
        self.gap = max(3, size // 2)
        self.stroke = max(1, round(short / 220))
        self.items: list[Item] = []
        self._taken: list[Box] = []

    def _frame(self, kind: Kind, text: str, size: int, max_width: int) -> Item | None:
        """The item sized for its text, placed at (0, 0)."""
        font = font_for(text, size)
        ascent, descent = font.getmetrics()
        step = ascent + descent + max(1, size // 6)
        pad_x, pad_y = (size, round(size * 0.6)) if kind == "balloon" else (round(size * 0.5), round(size * 0.35))
        lines = wrap(text, font, max_width - 2 * (pad_x + self.stroke))
        if not lines:
            return None
        text_w = max(int(font.getlength(line)) + 1 for line in lines)
        text_h = step * (len(lines) - 1) + ascent + descent
        outer_w, outer_h = text_w + 2 * (pad_x + self.stroke), text_h + 2 * (pad_y + self.stroke)
        box = Box(0, 0, outer_w, outer_h)
        inset_x, inset_y = pad_x + self.stroke, pad_y + self.stroke
        text_box = Box(inset_x, inset_y, inset_x + text_w, outer_h - inset_y)
        return Item(kind, box, text_box, tuple(lines), text, size, step)

    def _slot(self, x: int, w: int, h: int, below: int) -> int | None:
        top = self.items[-1].box.y0 if self.items else self.margin
        while True:
            wanted = Box(x, top, x + w, top + h + below)
            clash = [b for b in self._taken if b.inflate(self.gap).overlaps(wanted)]
            if not clash:
                break
            top = max(b.y1 for b in clash) + self.gap
        return top if top + h + below <= self.height - self.margin else None

    def add(self, kind: Kind, text: str, anchor_x: float | None, speaker: str | None = None) -> bool:
        """Place one more item below or beside the last one; False when it does not fit."""
        size = round(self.size * 0.85) if kind == "caption" else self.size
        share = 0.6 if kind == "caption" else 0.64
        item = self._frame(kind, text, size, min(int(self.width * share), self.width - 2 * self.margin))
        if item is None:
            return False
        w, h = item.box.width, item.box.height
        if anchor_x is None:
            x = self.margin
        else:
            x = int(min(max(anchor_x - w / 2, self.margin), self.width - self.margin - w))
        tail_len = round(size * 1.1) if kind == "balloon" else 0
        y = self._slot(x, w, h, tail_len)
        if y is None:
            return False
        box = Box(x, y, x + w, y + h)
        text_box = Box(x + item.text_box.x0, y + item.text_box.y0, x + item.text_box.x1, y + item.text_box.y1)
        item = replace(item, box=box, text_box=text_box, speaker=speaker)
        taken = box
        if kind == "balloon" and anchor_x is not None:
            radius = balloons.corner_radius(box, size)
            tail = balloons.tail_points(box, anchor_x, tail_len, max(3, round(size * 0.4)), radius)
            item = replace(item, radius=radius, tail=tail)
            taken = box.union(balloons.tail_box(tail))
            if not Box(0, 0, self.width, self.height).contains(taken):
                return False
        self.items.append(item)
        self._taken.append(taken)
        return True


def _arrange(
    width: int, height: int, title: str, speeches: list[Speech], speakers: Sequence[str], size: int
) -> Layout | None:
    arranger = _Arranger(width, height, size)
    unknown: list[str] = []
    if title and not arranger.add("caption", title, None):
        return None
    for speech in speeches:
        if speech.speaker is None:
            placed = arranger.add("narration", speech.text, None)
        else:
            anchor = _anchor(speech.speaker, speakers, width, unknown)
            placed = arranger.add("balloon", f"{speech.speaker}: {speech.text}", anchor, speech.speaker)
        if not placed:
            return None
    layout = Layout(width, height, tuple(arranger.items), arranger.stroke)
    return layout if layout.covered <= width * height * MAX_COVER else None


def plan(width: int, height: int, title: str, dialogue: str, speakers: Sequence[str] = ()) -> Layout:
    """The lettering layout for a panel of this size (see the module docstring for the rules)."""
    title = " ".join(normalize(title).split())
    speeches = parse_dialogue(dialogue)
    short = min(width, height)
    size, smallest = max(12, round(short * 0.055)), max(10, round(short * 0.026))
    shortened = False
    while True:
        layout = _arrange(width, height, title, speeches, speakers, size)
        if layout is not None:
            return replace(layout, shortened=shortened)
        if size > smallest:
            size = max(smallest, size - max(1, size // 10))
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
            return Layout(width, height, (), 1, shortened=True)


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


def letter_png(data: bytes, title: str, dialogue: str, speakers: Sequence[str] = ()) -> tuple[bytes, Layout]:
    """The panel image `data` lettered with its scene title and dialogue, as PNG bytes."""
    with Image.open(io.BytesIO(data)) as source:
        image = source.convert("RGB")
    layout = plan(image.width, image.height, title, dialogue, speakers)
    if layout.shortened:
        log.warning("panel text did not fit at the smallest size and was shortened: %r", dialogue[:80])
    return encode_png(render(image, layout)), layout
