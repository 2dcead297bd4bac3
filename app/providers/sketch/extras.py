"""Extras: people in a panel who are not in the cast (a stranger, a teacher), drawn so no one mistakes them for it.

Cast members are drawn with faces, skin and clothes read from their descriptions. An extra is a
faceless silhouette in one muted colour from its look ("grey coat"), with a hat if grown up and a
grey name tag: whatever the cast wears, an extra never looks like one of them.
"""

from __future__ import annotations

import re

from app.providers.sketch.figures import head_circle
from app.providers.sketch.palette import COLOURS, RGB
from app.providers.sketch.pen import Pen

_SLATE: RGB = (70, 76, 96)
_CHILD = re.compile(r"\b(child|kid|boy|girl|toddler|baby|classmate|pupil|student)\b", re.IGNORECASE)
_TEEN = re.compile(r"\b(teen|teenager|preteen)\b", re.IGNORECASE)
EXTRA_TAG: RGB = (206, 210, 220)  # the name tag's fill; cast members' tags are white


def extra_kind(look: str) -> str:
    """How big to draw an extra: grown up unless the look says otherwise."""
    if _TEEN.search(look):
        return "preteen"
    return "child" if _CHILD.search(look) else "adult"


def extra_colour(look: str) -> RGB:
    """The silhouette's colour: the look's first colour word, pulled well towards slate so it reads as a shadow."""
    word = next((w for w in re.findall(r"[a-z]+", look.lower()) if w in COLOURS), None)
    base = COLOURS[word] if word else _SLATE
    return (
        round(base[0] * 0.45 + _SLATE[0] * 0.55),
        round(base[1] * 0.45 + _SLATE[1] * 0.55),
        round(base[2] * 0.45 + _SLATE[2] * 0.55),
    )


def draw_extra(pen: Pen, kind: str, colour: RGB, cx: float, base: float, h: float) -> None:
    """A faceless standing silhouette `h` pixels tall, feet at (`cx`, `base`): coat, legs, arms, head and hat."""
    _, hy, r = head_circle(kind, cx, base, h)
    neck, knee = hy + r * 0.95, base - h * 0.2
    shoulder, hem = h * (0.15 if kind == "adult" else 0.17), h * (0.2 if kind == "adult" else 0.21)
    legs = (min(255, colour[0] + 14), min(255, colour[1] + 14), min(255, colour[2] + 14))
    for sx in (-1, 1):
        lx = cx + sx * shoulder * 0.4
        pen.rect((lx - h * 0.04, knee - h * 0.02, lx + h * 0.04, base), legs, shadow=False)
        pen.ellipse((lx - h * 0.06 + sx * h * 0.015, base - h * 0.04, lx + h * 0.06 + sx * h * 0.015, base), colour)
        arm = [(cx + sx * shoulder, neck + r * 0.2), (cx + sx * (shoulder + h * 0.07), knee - h * 0.12)]
        sleeve = [arm[0], (arm[0][0] + sx * h * 0.05, arm[0][1]), arm[1], (arm[1][0] - sx * h * 0.05, arm[1][1])]
        pen.polygon(sleeve, colour)
    pen.polygon([(cx - shoulder, neck), (cx + shoulder, neck), (cx + hem, knee), (cx - hem, knee)], colour)
    pen.ellipse((cx - r, hy - r, cx + r, hy + r), colour)
    if kind == "adult":  # a brimmed hat: no cast member in the presets wears one
        pen.rect((cx - r * 1.55, hy - r * 0.75, cx + r * 1.55, hy - r * 0.5), colour, radius=r * 0.1, shadow=False)
        pen.rect((cx - r * 0.95, hy - r * 1.55, cx + r * 0.95, hy - r * 0.6), colour, radius=r * 0.25, shadow=False)
