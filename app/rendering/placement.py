"""Placing lettering on a read picture, one item after another in reading order, at one text size.

Each item is tried in a few shapes (wide and short to narrow and tall, so it can fill a calm strip
of sky or a narrow wall) at every place `CostField` allows, and goes where it costs least. A balloon's
tail runs from the side facing its speaker to just outside the speaker's head; a place whose tail
would cross a face or other lettering is passed over for the next best.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from app.rendering import balloons
from app.rendering.balloons import Box, Point
from app.rendering.costs import CostField
from app.rendering.fonts import font_for
from app.rendering.text import text_length, wrap

Kind = Literal["caption", "balloon", "narration"]
_SHARES = {"caption": (0.6, 0.42), "narration": (0.6, 0.42), "balloon": (0.64, 0.46, 0.32)}
_TRIES = 24  # next-best places tried when tails cross something


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


def tip_for(box: Box, head: Box, gap: int) -> Point:
    """Where a tail from `box` ends: the point `gap` outside the head's box nearest the balloon."""
    outer = head.inflate(gap)
    cx, cy = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
    x, y = min(max(cx, outer.x0), outer.x1), min(max(cy, outer.y0), outer.y1)
    if outer.x0 < x < outer.x1 and outer.y0 < y < outer.y1:  # the balloon's centre is over the head: go up
        y = outer.y0
    return x, y


def _crosses(tail: tuple[Point, Point, Point], boxes: list[Box]) -> bool:
    """Whether the tail triangle reaches into any of `boxes` (sampled along its sides and middle)."""
    (ax, ay), (bx, by), (tx, ty) = tail
    for t in np.linspace(0.08, 1.0, 12):
        for sx, sy in ((ax, ay), (bx, by), ((ax + bx) / 2, (ay + by) / 2)):
            x, y = sx + (tx - sx) * t, sy + (ty - sy) * t
            if any(b.x0 <= x < b.x1 and b.y0 <= y < b.y1 for b in boxes):
                return True
    return False


class Arranger:
    """Places the items at one text size, or reports that they do not fit."""

    def __init__(self, field: CostField, size: int, faces_allowed: bool = False) -> None:
        self.field = field
        self.width, self.height, self.size = field.reading.width, field.reading.height, size
        short = min(self.width, self.height)
        self.margin = max(4, round(short * 0.03))
        self.gap = max(3, size // 2)
        self.stroke = max(1, round(short / 220))
        self.faces_allowed = faces_allowed
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
        text_w = max(int(text_length(font, line)) + 1 for line in lines)
        text_h = step * (len(lines) - 1) + ascent + descent
        outer_w, outer_h = text_w + 2 * (pad_x + self.stroke), text_h + 2 * (pad_y + self.stroke)
        inset_x, inset_y = pad_x + self.stroke, pad_y + self.stroke
        text_box = Box(inset_x, inset_y, inset_x + text_w, outer_h - inset_y)
        return Item(kind, Box(0, 0, outer_w, outer_h), text_box, tuple(lines), text, size, step)

    def _shapes(self, kind: Kind, text: str) -> list[Item]:
        size = round(self.size * 0.85) if kind == "caption" else self.size
        shapes: dict[tuple[int, int], Item] = {}
        for share in _SHARES[kind]:
            item = self._frame(kind, text, size, min(int(self.width * share), self.width - 2 * self.margin))
            if item is not None:
                shapes.setdefault((item.box.width, item.box.height), item)
        return list(shapes.values())

    def candidates(
        self, kind: Kind, text: str, head: Box | None = None, speaker: str | None = None, limit: int = 1
    ) -> list[Item]:
        """Up to `limit` places for one more item after the others, best first, no two on the same spot."""
        field = self.field
        earlier = [item.box for item in self.items]
        taken = [box.inflate(self.gap) for box in self._taken]
        tip_gap = max(3, field.margin // 2)
        options: list[tuple[float, int, int, Item]] = []
        for shape in self._shapes(kind, text):
            w, h = shape.box.width, shape.box.height
            rise = 0.15 if kind == "balloon" else 1.5
            costs, _, _ = field.price(w, h, taken, earlier, head, self.margin, self.faces_allowed, rise)
            for row, col in _best_places(costs, limit > 1):
                options.append((float(costs[row, col]), row, col, shape))
        options.sort(key=lambda option: option[0])
        found: list[Item] = []
        for _, row, col, shape in options[: _TRIES * limit]:
            x, y = round(col * field.cell), round(row * field.cell)
            box = Box(x, y, x + shape.box.width, y + shape.box.height)
            if any(_same_spot(box, item.box) for item in found):
                continue
            t = shape.text_box
            item = replace(shape, box=box, text_box=Box(x + t.x0, y + t.y0, x + t.x1, y + t.y1), speaker=speaker)
            if kind == "balloon":
                radius = balloons.corner_radius(box, shape.font_size)
                item = replace(item, radius=radius)
                if head is not None:
                    tail = balloons.tail_points(
                        box, tip_for(box, head, tip_gap), max(3, round(shape.font_size * 0.4)), radius
                    )
                    if _crosses(tail, [*([] if self.faces_allowed else field.heads), *taken]):
                        continue
                    if not Box(0, 0, self.width, self.height).contains(balloons.tail_box(tail)):
                        continue
                    item = replace(item, tail=tail)
            found.append(item)
            if len(found) >= limit:
                break
        return found

    def push(self, item: Item) -> None:
        """Put a placed item after the others."""
        self.items.append(item)
        self._taken.append(item.box.union(balloons.tail_box(item.tail)) if item.tail else item.box)

    def pop(self) -> None:
        """Take the last item off again."""
        self.items.pop()
        self._taken.pop()

    def add(self, kind: Kind, text: str, head: Box | None = None, speaker: str | None = None) -> bool:
        """Place one more item after the others at its best place; False when it does not fit anywhere."""
        found = self.candidates(kind, text, head, speaker)
        if found:
            self.push(found[0])
        return bool(found)


def _best_places(costs: np.ndarray, spread: bool) -> list[tuple[int, int]]:
    """The cheapest finite places; with `spread`, also the cheapest in each sixth by sixth of the panel."""
    flat = costs.ravel()
    best = [divmod(int(i), costs.shape[1]) for i in np.argsort(flat, kind="stable")[:_TRIES] if np.isfinite(flat[i])]
    if spread:
        for band in np.array_split(np.arange(costs.shape[0]), 6):
            for strip in np.array_split(np.arange(costs.shape[1]), 6):
                if band.size and strip.size:
                    block = costs[band[0] : band[-1] + 1, strip[0] : strip[-1] + 1]
                    r, c = np.unravel_index(int(np.argmin(block)), block.shape)
                    if np.isfinite(block[r, c]):
                        best.append((int(band[0] + r), int(strip[0] + c)))
    return best


def _same_spot(a: Box, b: Box) -> bool:
    shared = max(0, min(a.x1, b.x1) - max(a.x0, b.x0)) * max(0, min(a.y1, b.y1) - max(a.y0, b.y0))
    return shared > 0.5 * min(a.area, b.area)
