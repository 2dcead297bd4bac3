"""The shapes lettering sits in: speech balloons with a tail, and caption boxes.

Shapes are drawn on a transparent overlay at `scale` times the panel size and shrunk afterwards,
which gives their curves smooth edges (Pillow does not anti-alias polygons).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PIL import ImageDraw

Point = tuple[float, float]
Colour = tuple[int, int, int, int]

INK: Colour = (24, 24, 28, 255)
BALLOON_FILL: Colour = (255, 255, 255, 255)
CAPTION_FILL: Colour = (255, 236, 150, 255)
NARRATION_FILL: Colour = (255, 248, 222, 255)


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle in pixels; `x1` and `y1` are exclusive."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    @property
    def area(self) -> int:
        return max(0, self.width) * max(0, self.height)

    def inflate(self, dx: int, dy: int | None = None) -> Box:
        """This box grown by `dx` left and right and `dy` (default `dx`) top and bottom."""
        dy = dx if dy is None else dy
        return Box(self.x0 - dx, self.y0 - dy, self.x1 + dx, self.y1 + dy)

    def overlaps(self, other: Box) -> bool:
        return self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1

    def contains(self, other: Box) -> bool:
        return self.x0 <= other.x0 and self.y0 <= other.y0 and other.x1 <= self.x1 and other.y1 <= self.y1

    def union(self, other: Box) -> Box:
        return Box(min(self.x0, other.x0), min(self.y0, other.y0), max(self.x1, other.x1), max(self.y1, other.y1))


def corner_radius(box: Box, text_size: int) -> int:
    """How round a balloon is: about one text line, never more than half its height."""
    return max(2, min(int(text_size * 1.1), box.height // 2, box.width // 2))


def tail_points(box: Box, tip: Point, half_width: int, radius: int) -> tuple[Point, Point, Point]:
    """A tail from the side of the balloon that faces `tip` (below, above, left or right) to `tip`."""
    tx, ty = tip
    if box.y0 <= ty < box.y1:  # level with the balloon: from its left or right side
        low, high = box.y0 + radius + half_width, box.y1 - radius - half_width
        base = min(max(ty, low), high) if low <= high else (box.y0 + box.y1) / 2
        x = box.x0 if tx < box.x0 else box.x1 - 1
        return (x, base - half_width), (x, base + half_width), tip
    low, high = box.x0 + radius + half_width, box.x1 - radius - half_width
    base = min(max(tx, low), high) if low <= high else (box.x0 + box.x1) / 2
    y = box.y1 - 1 if ty >= box.y1 else box.y0
    return (base - half_width, y), (base + half_width, y), tip


def tail_box(tail: tuple[Point, Point, Point]) -> Box:
    """The bounding box of a tail."""
    xs, ys = [p[0] for p in tail], [p[1] for p in tail]
    return Box(int(min(xs)), int(min(ys)), int(max(xs)) + 1, int(max(ys)) + 1)


def _scaled(points: tuple[Point, ...], scale: int) -> list[Point]:
    return [(x * scale, y * scale) for x, y in points]


def _inner_tail(tail: tuple[Point, Point, Point], stroke: float) -> tuple[Point, Point, Point]:
    # Narrower and shorter by the stroke, and reaching into the balloon so it erases the outline there.
    (ax, ay), (bx, by), (tx, ty) = tail
    mx, my = (ax + bx) / 2, (ay + by) / 2
    length = math.hypot(mx - tx, my - ty) or 1.0
    ux, uy = (mx - tx) / length, (my - ty) / length  # from the tip into the balloon
    across = math.hypot(bx - ax, by - ay) or 1.0
    vx, vy = (bx - ax) / across, (by - ay) / across
    inward = stroke * 2
    return (
        (ax + vx * stroke * 1.4 + ux * inward, ay + vy * stroke * 1.4 + uy * inward),
        (bx - vx * stroke * 1.4 + ux * inward, by - vy * stroke * 1.4 + uy * inward),
        (tx + ux * stroke * 2.4, ty + uy * stroke * 2.4),
    )


def draw_balloon(
    draw: ImageDraw.ImageDraw, box: Box, radius: int, tail: tuple[Point, Point, Point] | None, stroke: int, scale: int
) -> None:
    """A white rounded balloon outlined in ink, its tail joined to it without a seam."""
    outer = (box.x0 * scale, box.y0 * scale, box.x1 * scale - 1, box.y1 * scale - 1)
    width = stroke * scale
    draw.rounded_rectangle(outer, radius * scale, fill=INK)
    if tail:
        draw.polygon(_scaled(tail, scale), fill=INK)
    inner = (outer[0] + width, outer[1] + width, outer[2] - width, outer[3] - width)
    draw.rounded_rectangle(inner, max(1, radius * scale - width), fill=BALLOON_FILL)
    if tail:
        draw.polygon(_scaled(_inner_tail(tail, stroke), scale), fill=BALLOON_FILL)


def draw_caption(draw: ImageDraw.ImageDraw, box: Box, stroke: int, scale: int, fill: Colour = CAPTION_FILL) -> None:
    """A square-cornered caption box outlined in ink."""
    outer = (box.x0 * scale, box.y0 * scale, box.x1 * scale - 1, box.y1 * scale - 1)
    draw.rectangle(outer, fill=fill, outline=INK, width=stroke * scale)
