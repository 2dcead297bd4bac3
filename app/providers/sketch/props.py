"""Props: small stand-in objects for a scene's visual elements, and the tree that outdoor scenes share."""

from __future__ import annotations

import re
import zlib

from app.providers.sketch.palette import COLOURS, RGB, spare_colour, word_set
from app.providers.sketch.pen import Pen

_LEAVES: RGB = (70, 160, 80)
_PROP_SHAPES: tuple[tuple[str, frozenset[str]], ...] = (
    ("round", word_set("ball apple orange balloon clock plate coin cookie sun pizza cake")),
    ("tall", word_set("phone bottle sign light lamp tablet door cup glass candle")),
    ("tree", word_set("tree plant flower bush leaf leaves garden")),
)


def tree(pen: Pen, x: float, ground: float, size: float, leaves: RGB = _LEAVES) -> None:
    """A round-crowned tree `size` pixels tall standing at (`x`, `ground`)."""
    pen.rect((x - size * 0.09, ground - size * 0.55, x + size * 0.09, ground), (130, 86, 50))
    for dx, dy, k in ((0, -0.85, 0.42), (-0.25, -0.62, 0.3), (0.25, -0.62, 0.3)):
        cx, cy, r = x + dx * size, ground + dy * size, k * size
        pen.ellipse((cx - r, cy - r, cx + r, cy + r), leaves)


def draw_prop(pen: Pen, label: str, cx: float, base: float, size: float) -> None:
    """A small stand-in object for a visual element, its shape guessed from its name."""
    words = re.findall(r"[a-z]+", label.lower())
    named = next((COLOURS[w] for w in words if w in COLOURS), None)
    # crc32, not hash(): str hashes change between processes, and a prop must keep its colour.
    colour = named or spare_colour(zlib.crc32(label.encode()))
    shape = next((s for s, ws in _PROP_SHAPES if any(w.rstrip("s") in ws or w in ws for w in words)), "box")
    s = size
    if shape == "round":
        pen.ellipse((cx - s * 0.4, base - s * 0.8, cx + s * 0.4, base), colour)
    elif shape == "tall" and "traffic" in words:
        pen.rect((cx - s * 0.04, base - s * 0.5, cx + s * 0.04, base), (90, 90, 96), shadow=False)
        pen.rect((cx - s * 0.17, base - s * 1.2, cx + s * 0.17, base - s * 0.45), (50, 50, 56), radius=s * 0.05)
        for i, lamp in enumerate(((230, 60, 50), (250, 200, 50), (60, 190, 90))):
            y = base - s * (1.08 - i * 0.25)
            pen.ellipse((cx - s * 0.1, y - s * 0.1, cx + s * 0.1, y + s * 0.1), lamp, ink=False, shadow=False)
    elif shape == "tall":
        pen.rect((cx - s * 0.22, base - s, cx + s * 0.22, base), colour, radius=s * 0.08)
        screen = (cx - s * 0.14, base - s * 0.88, cx + s * 0.14, base - s * 0.2)
        pen.rect(screen, (235, 240, 245), ink=False, shadow=False)
    elif shape == "tree":
        tree(pen, cx, base, s * 0.8, named or _LEAVES)
    else:
        pen.rect((cx - s * 0.45, base - s * 0.6, cx + s * 0.45, base), colour, radius=s * 0.08)
        lid = (cx - s * 0.45, base - s * 0.6, cx + s * 0.45, base - s * 0.45)
        pen.rect(lid, (250, 250, 250), ink=False, shadow=False)
