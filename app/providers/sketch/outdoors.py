"""Outdoor settings: sky, sun and clouds over a park, a street, a beach or a forest."""

from __future__ import annotations

from random import Random

from app.providers.sketch.palette import INK
from app.providers.sketch.pen import Pen
from app.providers.sketch.props import tree


def draw_outdoor(pen: Pen, variant: str, rng: Random) -> None:
    """Paint an outdoor background; `variant` is "park", "street", "beach" or "forest"."""
    hy = int(pen.image.size[1] * 0.56)
    _sky(pen, hy, rng)
    left = rng.random() < 0.5  # which side the big landmark stands on, so panels of one comic vary
    if variant == "beach":
        _beach(pen, hy, left)
    elif variant == "street":
        _street(pen, hy, left, rng)
    else:
        _grass(pen, hy)
        if variant == "forest":
            _forest(pen, hy, rng)
        else:
            _park(pen, hy, left)


def _sky(pen: Pen, hy: int, rng: Random) -> None:
    w, h = pen.image.size
    s = min(w, h)
    pen.backdrop((110, 180, 240), (196, 228, 250), hy)
    sx, sy, sr = w * rng.uniform(0.74, 0.88), h * rng.uniform(0.1, 0.17), s * 0.07
    pen.ellipse((sx - sr, sy - sr, sx + sr, sy + sr), (255, 214, 70))
    for i in range(rng.randint(2, 3)):
        _cloud(pen, w * (0.2 + 0.28 * i + rng.uniform(-0.06, 0.06)), h * rng.uniform(0.18, 0.34), s * 0.07)


def _cloud(pen: Pen, x: float, y: float, s: float) -> None:
    for dx, dy, r in ((-0.6, 0.1, 0.45), (0.6, 0.1, 0.45), (0, -0.1, 0.6)):
        pen.ellipse((x + (dx - r) * s, y + (dy - r) * s, x + (dx + r) * s, y + (dy + r) * s), (250, 252, 255))


def _beach(pen: Pen, hy: int, left: bool) -> None:
    w, h = pen.image.size
    pen.draw.rectangle((0, hy, w, h), fill=pen.look.tint((238, 214, 160)))
    pen.rect((-10, hy, w + 10, hy + h * 0.1), (40, 140, 200), shadow=False)
    x, y, s = w * (0.1 if left else 0.9), hy + h * 0.12, min(w, h) * 0.22
    pen.rect((x - s * 0.02, y - s * 0.55, x + s * 0.02, y), (240, 240, 240))
    pen.pieslice((x - s * 0.5, y - s * 0.8, x + s * 0.5, y - s * 0.3), 180, 360, (230, 70, 70))


def _street(pen: Pen, hy: int, left: bool, rng: Random) -> None:
    w, h = pen.image.size
    for i in range(6):
        bw, bh = w / 6, h * rng.uniform(0.2, 0.34)
        colour = rng.choice([(220, 150, 120), (200, 190, 170), (230, 200, 140), (180, 160, 200)])
        pen.rect((i * bw + 4, hy - bh, (i + 1) * bw - 4, hy), colour)
        for wy in range(int(hy - bh + 14), hy - 20, 28):
            pen.rect((i * bw + bw * 0.3, wy, i * bw + bw * 0.7, wy + 12), (250, 240, 190), ink=False, shadow=False)
    pen.draw.rectangle((0, hy, w, h), fill=pen.look.tint((196, 196, 200)))
    ry0, ry1 = hy + h * 0.06, hy + h * 0.22
    pen.draw.rectangle((0, ry0, w, ry1), fill=pen.look.tint((86, 86, 94)))
    for x in range(0, w, max(8, w // 12)):
        pen.draw.rectangle((x, (ry0 + ry1) / 2 - 2, x + w / 30, (ry0 + ry1) / 2 + 2), fill=(245, 245, 245))
    cx = w * (0.15 if left else 0.85)
    for i in range(5):
        y = ry0 + 4 + i * h * 0.032
        pen.draw.rectangle((cx - w * 0.06, y, cx + w * 0.06, y + h * 0.016), fill=(245, 245, 245))


def _grass(pen: Pen, hy: int) -> None:
    w, h = pen.image.size
    pen.draw.rectangle((0, hy, w, h), fill=pen.look.tint((118, 194, 92)))
    pen.ellipse((-w * 0.2, hy - h * 0.06, w * 0.55, hy + h * 0.08), (150, 208, 110), ink=False, shadow=False)
    if pen.ink:  # inked styles need the horizon drawn: greyscale or halftone can merge sky and grass
        pen.draw.line((0, hy, w, hy), fill=INK, width=pen.ink)
    pen.draw.polygon(
        [(w * 0.46, hy), (w * 0.54, hy), (w * 0.72, h), (w * 0.28, h)], fill=pen.look.tint((232, 210, 160))
    )


def _forest(pen: Pen, hy: int, rng: Random) -> None:
    w, h = pen.image.size
    for i in range(7):
        x = w * (0.05 + 0.15 * i) + rng.uniform(-10, 10)
        tree(pen, x, hy + h * 0.02, min(w, h) * rng.uniform(0.32, 0.45), (50, 130, 70))


def _park(pen: Pen, hy: int, left: bool) -> None:
    w, h = pen.image.size
    tree(pen, w * (0.12 if left else 0.88), hy + h * 0.03, min(w, h) * 0.3)
    bx = w * (0.78 if left else 0.22)  # the bench stands opposite the tree
    pen.rect((bx - w * 0.08, hy - h * 0.02, bx + w * 0.08, hy + h * 0.015), (170, 110, 60))
    pen.rect((bx - w * 0.08, hy + h * 0.02, bx + w * 0.08, hy + h * 0.045), (170, 110, 60))
    for lx in (bx - w * 0.07, bx + w * 0.06):
        pen.rect((lx, hy + h * 0.045, lx + w * 0.01, hy + h * 0.08), (90, 70, 60), ink=False)
