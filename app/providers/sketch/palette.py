"""Colours: the colour words the illustrator understands, the ink, and the looks that shift colours per art style.

Colour words are how the illustrator reads a description ("red t-shirt", "auburn ponytail"), so the
names here are its whole colour vocabulary; anything unnamed is picked from the spare colours.
"""

from __future__ import annotations

import colorsys
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache

RGB = tuple[int, int, int]


def _palette(table: str) -> dict[str, RGB]:
    pairs = iter(table.split())  # "name hex name hex ...": zipping one iterator with itself pairs them up
    return {name: (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)) for name, h in zip(pairs, pairs, strict=True)}


def word_set(text: str) -> frozenset[str]:
    """The words of `text` as a set; "_" joins a two-word phrase such as "living_room"."""
    # Word lists are written as one string so that a long vocabulary stays readable.
    return frozenset(w.replace("_", " ") for w in text.split())


COLOURS = _palette(
    "red d63031 crimson be1e3c blue 3470d6 navy 243470 yellow f6c82e gold e6b428 golden e6b43c "
    "green 40a854 purple 8c52c4 violet 965ad2 lilac be96dc orange f08428 pink f078aa teal 209696 "
    "turquoise 28bebe white f6f6f6 cream f6ecd2 beige dcc8a0 black 28282e grey 8c8c92 gray 8c8c92 "
    "silver bebec8 brown 80502c blond f0cc6e blonde f0cc6e auburn 963c1e ginger cc6428 dark 3a2a24"
)
SKIN_WORDS = _palette(
    "fair fce0c8 pale fce4d2 light fadcc2 olive cea478 tan d2a074 brown a06846 dark 764c34 black 64402c"
)
SPARE_COLOURS: tuple[RGB, ...] = tuple(COLOURS[n] for n in ("blue", "green", "orange", "purple", "teal", "red", "pink"))
INK: RGB = (28, 28, 34)


def spare_colour(pick: int, avoid: Collection[RGB] = ()) -> RGB:
    """The spare colour `pick` points at, or the next one not in `avoid` (wrapping round if all are taken)."""
    n = len(SPARE_COLOURS)
    free = (c for k in range(n) if (c := SPARE_COLOURS[(pick + k) % n]) not in avoid)
    return next(free, SPARE_COLOURS[pick % n])


@dataclass(frozen=True)
class Look:
    """How one art style renders: palette shift, ink outlines, shadows, gradients and finish."""

    name: str
    outline: int  # ink width at a 512 px tall panel; 0 draws no outlines
    shadow: bool
    gradient: bool
    border: RGB

    def tint(self, colour: RGB) -> RGB:
        """`colour` as this style paints it."""
        return _tint(self.name, colour)


_LOOKS: dict[str, Look] = {
    "draft": Look("draft", 2, False, True, (60, 60, 70)),
    "storybook": Look("storybook", 0, False, True, (170, 140, 110)),
    "cartoon": Look("cartoon", 5, False, True, INK),
    "manga": Look("manga", 2, False, False, INK),
    "comic_book": Look("comic_book", 3, False, False, INK),
    "paper_cutout": Look("paper_cutout", 0, True, False, (120, 96, 70)),
}
# Pastel and paper styles wash every colour towards their paper tone by this share.
_WASH: dict[str, tuple[RGB, float]] = {"storybook": ((255, 248, 236), 0.2), "paper_cutout": ((250, 242, 226), 0.1)}


def look_for(style_name: str | None) -> Look:
    """The look of a style name; unknown or missing styles get the neutral draft look."""
    return _LOOKS.get(style_name or "draft", _LOOKS["draft"])


@lru_cache(maxsize=1024)
def _tint(style: str, colour: RGB) -> RGB:
    r, g, b = (c / 255 for c in colour)
    if style == "manga":
        grey = round(255 * (0.3 * r + 0.59 * g + 0.11 * b))
        return (grey, grey, grey)
    h, s, v = colorsys.rgb_to_hsv(r, g, b)
    if style == "storybook":
        s *= 0.78
    elif style == "cartoon":
        s, v = min(1.0, s * 1.25 + 0.05 * (s > 0.1)), min(1.0, v * 1.08)
    elif style == "comic_book":
        s, v = min(1.0, s * 1.6), min(1.0, v * 1.12)
    elif style == "paper_cutout":
        s *= 0.85
    out = [round(255 * c) for c in colorsys.hsv_to_rgb(h, s, v)]
    if style in _WASH:
        paper, k = _WASH[style]
        out = [round(c + (p - c) * k) for c, p in zip(out, paper, strict=True)]
    return (out[0], out[1], out[2])
