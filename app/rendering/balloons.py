"""The shapes lettering sits in: speech balloons with a tail, and caption boxes.

Shapes are drawn on a transparent overlay at `scale` times the panel size and shrunk afterwards,
which gives their curves smooth edges (Pillow does not anti-alias polygons).
"""

from __future__ import annotations

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


def tail_points(box: Box, anchor_x: float, length: int, half_width: int, radius: int) -> tuple[Point, Point, Point]:
    """A tail from the balloon's bottom edge, its tip below it and leaning toward `anchor_x`."""
    low, high = box.x0 + radius + half_width, box.x1 - radius - half_width
    base_x = min(max(anchor_x, low), high) if low <= high else (box.x0 + box.x1) / 2
    lean = max(-length, min(length, anchor_x - base_x))
    tip = (base_x + lean * 0.8 + (half_width if lean >= 0 else -half_width) * 0.5, box.y1 + length)
    return (base_x - half_width, box.y1 - 1), (base_x + half_width, box.y1 - 1), tip


def tail_box(tail: tuple[Point, Point, Point]) -> Box:
    """The bounding box of a tail."""
    xs, ys = [p[0] for p in tail], [p[1] for p in tail]
    return Box(int(min(xs)), int(min(ys)), int(max(xs)) + 1, int(max(ys)) + 1)


def _scaled(points: tuple[Point, ...], scale: int) -> list[Point]:
    return [(x * scale, y * scale) for x, y in points]


def _inner_tail(tail: tuple[Point, Point, Point], stroke: float) -> tuple[Point, Point, Point]:
    # Narrower and shorter by the stroke, and reaching into the balloon so it erases the outline there.
    (lx, ly), (rx, ry), (tx, ty) = tail
    return (lx + stroke * 1.4, ly - stroke * 2), (rx - stroke * 1.4, ry - stroke * 2), (tx, ty - stroke * 2.4)


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
