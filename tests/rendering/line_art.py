"""Monochrome test pictures drawn here in two manners of their own, unlike the offline illustrator's manga.

- An ink sketch on cream paper: pen outlines with the face left as paper, hatched sky, a scribbled
  tree and a house; heads of different shapes (an egg with a pointed chin, a round one, one drawn
  with loose strokes that leave gaps in its outline), eyes as dots, as closed arcs, and as ovals.
- A pencil drawing in greys: a grey wash with paper grain, soft (blurred) lines, faces shaded a
  light grey, one of them turned to the side with both eyes on one half of the face.

The composition is off in both, as an image model's placement is: people stand between the places
the composition names, one of them in close-up with the head cut by the panel's edge.
"""

from __future__ import annotations

import math
from random import Random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from app.models.records import Position
from app.rendering.balloons import Box
from tests.rendering.pictures import Person, Picture

_INK, _PAPER = (24, 22, 20), (244, 238, 220)


def _egg(cx: float, cy: float, rx: float, ry: float, chin: float) -> list[tuple[float, float]]:
    """An oval narrowing to a chin below (chin 0 is an ellipse)."""
    points = []
    for step in range(48):
        t = 2 * math.pi * step / 48
        x, y = math.cos(t), math.sin(t)
        narrow = 1 - chin * max(0.0, y) ** 2  # only the lower half narrows
        points.append((cx + rx * x * narrow, cy + ry * y))
    return points


def _sketchy_outline(draw: ImageDraw.ImageDraw, box: tuple[float, float, float, float], rng: Random) -> None:
    """An oval drawn in loose strokes that overshoot and leave gaps, as a quick pen sketch does."""
    start = rng.uniform(0, 40)
    while start < 360:
        sweep = rng.uniform(50, 90)
        wobble = rng.uniform(-4, 4)
        x0, y0, x1, y1 = box
        draw.arc((x0 + wobble, y0 - wobble, x1 + wobble, y1 + wobble), start, start + sweep, fill=_INK, width=2)
        start += sweep + rng.uniform(8, 20)


def _ink_person(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, manner: str, rng: Random) -> Box:
    """A pen-drawn person whose head is centred at (cx, cy); the face box it returns is brow to chin, ear to ear."""
    # Shoulders and body: outlines only, a collar, arms as strokes.
    body = [(cx - r * 1.5, cy + r * 4.2), (cx - r * 1.2, cy + r * 1.3), (cx + r * 1.2, cy + r * 1.3)]
    draw.line([*body, (cx + r * 1.5, cy + r * 4.2)], fill=_INK, width=3)
    draw.line([(cx - r * 0.3, cy + r * 1.3), (cx, cy + r * 1.7), (cx + r * 0.3, cy + r * 1.3)], fill=_INK, width=2)
    for side in (-1, 1):
        draw.line([(cx + side * r * 1.2, cy + r * 1.5), (cx + side * r * 1.7, cy + r * 3.2)], fill=_INK, width=3)
    draw.line([(cx - r * 0.2, cy + r * 0.9), (cx - r * 0.2, cy + r * 1.3)], fill=_INK, width=2)  # neck
    draw.line([(cx + r * 0.2, cy + r * 0.9), (cx + r * 0.2, cy + r * 1.3)], fill=_INK, width=2)
    if manner == "egg":
        draw.polygon(_egg(cx, cy, r * 0.8, r, 0.45), fill=_PAPER, outline=_INK, width=3)
        draw.polygon(
            [
                (cx - r * 0.8, cy - r * 0.2),
                (cx - r * 0.6, cy - r * 1.05),
                (cx + r * 0.7, cy - r * 1.0),
                (cx + r * 0.82, cy - r * 0.15),
                (cx + r * 0.3, cy - r * 0.55),
            ],
            fill=_INK,
        )  # black hair
        for side in (-1, 1):  # dot eyes
            ex = cx + side * r * 0.32
            draw.ellipse((ex - r * 0.08, cy + r * 0.05, ex + r * 0.08, cy + r * 0.21), fill=_INK)
    elif manner == "round":
        draw.ellipse((cx - r * 0.9, cy - r, cx + r * 0.9, cy + r), fill=_PAPER, outline=_INK, width=2)
        for k in range(9):  # hatched hair: strokes from the crown, crossing the outline
            a = math.pi * (1.1 + 0.8 * k / 8)
            draw.line(
                [
                    (cx + math.cos(a) * r * 1.05, cy + math.sin(a) * r * 1.05),
                    (cx + math.cos(a) * r * 0.55, cy + math.sin(a) * r * 0.45),
                ],
                fill=_INK,
                width=2,
            )
        for side in (-1, 1):  # closed, smiling eyes: arcs
            ex = cx + side * r * 0.35
            draw.arc((ex - r * 0.15, cy - r * 0.05, ex + r * 0.15, cy + r * 0.2), 200, 340, fill=_INK, width=2)
    else:
        _sketchy_outline(draw, (cx - r * 0.85, cy - r, cx + r * 0.85, cy + r), rng)
        for side in (-1, 1):  # oval eyes and brows
            ex = cx + side * r * 0.33
            draw.ellipse((ex - r * 0.09, cy - r * 0.1, ex + r * 0.09, cy + r * 0.16), outline=_INK, width=2)
            draw.line([(ex - r * 0.15, cy - r * 0.28), (ex + r * 0.15, cy - r * 0.32)], fill=_INK, width=2)
    draw.line([(cx, cy + r * 0.2), (cx - r * 0.08, cy + r * 0.42), (cx + r * 0.05, cy + r * 0.45)], fill=_INK, width=2)
    draw.arc((cx - r * 0.3, cy + r * 0.35, cx + r * 0.3, cy + r * 0.75), 20, 160, fill=_INK, width=2)
    return Box(int(cx - r * 0.9), int(cy - r), int(cx + r * 0.9), int(cy + r))


def ink_sketch(size: tuple[int, int] = (768, 512)) -> Picture:
    """Three pen-drawn people on cream paper: a close-up on the left cut by the top, two standing off their places."""
    width, height = size
    rng = Random(7)
    image = Image.new("RGB", size, _PAPER)
    draw = ImageDraw.Draw(image)
    horizon = height * 0.64
    draw.line([(0, horizon), (width, horizon)], fill=_INK, width=2)
    for k in range(-20, 40):  # hatched sky on the right: diagonal strokes
        x = width * 0.5 + k * 14
        draw.line([(x, 0), (x + 60, height * 0.3)], fill=(110, 105, 100), width=1)
    hx = width * 0.42  # a house: outline, roof, a window of four panes
    draw.rectangle((hx, height * 0.36, hx + 120, horizon), outline=_INK, width=2)
    draw.line([(hx - 10, height * 0.36), (hx + 60, height * 0.22), (hx + 130, height * 0.36)], fill=_INK, width=2)
    draw.rectangle((hx + 20, height * 0.42, hx + 60, height * 0.5), outline=_INK, width=2)
    draw.line([(hx + 40, height * 0.42), (hx + 40, height * 0.5)], fill=_INK, width=1)
    draw.line([(hx + 20, height * 0.46), (hx + 60, height * 0.46)], fill=_INK, width=1)
    tx, ty = width * 0.93, height * 0.35  # a tree crown in scribbles
    for _ in range(30):
        x, y, r = tx + rng.uniform(-50, 50), ty + rng.uniform(-40, 30), rng.uniform(10, 22)
        draw.arc((x - r, y - r, x + r, y + r), rng.uniform(0, 180), rng.uniform(200, 360), fill=_INK, width=1)
    draw.line([(tx, ty + 30), (tx, horizon)], fill=_INK, width=4)
    for _ in range(120):  # grass strokes
        x, y = rng.uniform(0, width), rng.uniform(horizon + 8, height)
        draw.line([(x, y), (x + rng.uniform(-3, 3), y - rng.uniform(5, 10))], fill=_INK, width=1)
    people = (
        ("Mia", "left", "egg", 0.13, 0.2, 0.26),  # close-up: the head cut by the panel's top edge
        ("Dad", "centre", "round", 0.6, 0.3, 0.11),
        ("Leo", "right", "sketchy", 0.83, 0.45, 0.085),
    )
    placed = []
    for who, position, manner, cx, cy, radius in people:
        r = radius * height
        face = _ink_person(draw, cx * width, cy * height, r, manner, rng)
        # What of the face the panel shows: the close-up's is cut by the top edge.
        placed.append(Person(who, position, Box(face.x0, max(0, face.y0), face.x1, face.y1)))
    return Picture("ink sketch", image, tuple(placed))


def _pencil_head(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, side_view: bool) -> Box:
    line, skin, hair = (60, 60, 60), (205, 205, 205), (95, 95, 95)
    draw.rounded_rectangle(
        (cx - r * 1.4, cy + r * 1.1, cx + r * 1.4, cy + r * 5), r * 0.6, fill=(150, 150, 150), outline=line, width=2
    )
    draw.ellipse((cx - r * 0.85, cy - r, cx + r * 0.85, cy + r), fill=skin, outline=line, width=2)
    draw.pieslice((cx - r * 0.9, cy - r * 1.1, cx + r * 0.9, cy + r * 0.5), 180, 360, fill=hair, outline=line)
    eyes = (0.15, 0.5) if side_view else (-0.33, 0.33)  # turned to the side: both eyes on one half
    for dx in eyes:
        ex = cx + dx * r
        draw.ellipse((ex - r * 0.1, cy + r * 0.0, ex + r * 0.1, cy + r * 0.24), fill=(40, 40, 40))
    mouth = cx + (0.3 if side_view else 0.0) * r
    draw.line([(mouth - r * 0.22, cy + r * 0.6), (mouth + r * 0.22, cy + r * 0.55)], fill=line, width=2)
    return Box(int(cx - r * 0.9), int(cy - r * 1.1), int(cx + r * 0.9), int(cy + r))


def pencil_wash(size: tuple[int, int] = (768, 512)) -> Picture:
    """Two people in soft pencil on a grey wash with paper grain; one turned to the side, the other close up."""
    width, height = size
    shade = np.linspace(150, 200, height, dtype=np.float32)[:, None].repeat(width, axis=1)
    grain = np.random.default_rng(3).normal(0, 6, (height, width)).astype(np.float32)
    image = Image.fromarray(np.clip(shade + grain, 0, 255).astype(np.uint8)).convert("RGB")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, int(height * 0.7), width, height), fill=(120, 120, 120))  # a floor
    draw.rectangle(
        (int(width * 0.05), int(height * 0.12), int(width * 0.25), int(height * 0.4)),
        fill=(215, 215, 215),
        outline=(60, 60, 60),
        width=3,
    )  # a window
    people: list[tuple[str, Position, float, float, float, bool]] = [
        ("Zoe", "left", 0.4, 0.42, 0.12, True),
        ("Mom", "right", 0.7, 0.3, 0.24, False),
    ]
    placed = []
    for who, position, cx, cy, radius, side_view in people:
        face = _pencil_head(draw, cx * width, cy * height, radius * height, side_view)
        placed.append(Person(who, position, face))
    image = image.filter(ImageFilter.GaussianBlur(1.2))
    return Picture("pencil wash", image, tuple(placed))
