"""Indoor settings: rooms at home (kitchen, bedroom, living room), a classroom and a shop."""

from __future__ import annotations

from random import Random

from app.providers.sketch.labels import get_font
from app.providers.sketch.palette import INK, RGB
from app.providers.sketch.pen import Pen


def _room(pen: Pen, wall: RGB, floor: RGB, fy: int) -> None:
    w, h = pen.image.size
    r, g, b = wall
    pen.backdrop(wall, (max(0, r - 18), max(0, g - 18), max(0, b - 18)), fy)
    pen.draw.rectangle((0, fy, w, h), fill=pen.look.tint(floor))
    pen.draw.rectangle((0, fy - max(3, h // 80), w, fy), fill=pen.look.tint((250, 250, 245)))


def draw_home(pen: Pen, variant: str, rng: Random) -> None:
    """Paint a room at home; `variant` is "kitchen", "bedroom", "living" or "home" (a table)."""
    w, h = pen.image.size
    fy = int(h * 0.6)
    wall = rng.choice([(246, 228, 200), (234, 240, 212), (246, 218, 210), (240, 230, 244)])
    _room(pen, wall, (196, 150, 104), fy)
    for y in range(fy + h // 14, h, h // 14):
        pen.draw.line((0, y, w, y), fill=pen.look.tint((170, 126, 86)), width=2)
    left = rng.random() < 0.5
    wx = w * (0.08 if left else 0.7)
    ww, wh = w * 0.22, h * 0.26
    pen.rect((wx, h * 0.16, wx + ww, h * 0.16 + wh), (250, 250, 250))
    pen.rect((wx + 8, h * 0.16 + 8, wx + ww - 8, h * 0.16 + wh - 8), (196, 226, 244), ink=False, shadow=False)
    pen.draw.line((wx + ww / 2, h * 0.16, wx + ww / 2, h * 0.16 + wh), fill=pen.look.tint((250, 250, 250)), width=5)
    ox = w * (0.62 if left else 0.08)
    frame_x = w * (0.45 if left else 0.5)
    pen.rect((frame_x, h * 0.18, frame_x + w * 0.08, h * 0.3), (170, 110, 60))
    pen.rect((frame_x + 6, h * 0.18 + 6, frame_x + w * 0.08 - 6, h * 0.3 - 6), (150, 200, 120), ink=False, shadow=False)
    if variant == "kitchen":
        pen.rect((ox, fy - h * 0.2, ox + w * 0.3, fy), (230, 230, 236))
        pen.rect((ox - 4, fy - h * 0.22, ox + w * 0.3 + 4, fy - h * 0.19), (150, 120, 100))
        for i in range(3):
            x0, x1 = ox + w * 0.1 * i + 6, ox + w * 0.1 * (i + 1) - 6
            pen.rect((x0, fy - h * 0.17, x1, fy - 6), (210, 214, 224), ink=False)
    elif variant == "bedroom":
        pen.rect((ox, fy - h * 0.1, ox + w * 0.3, fy + h * 0.04), (130, 90, 60))
        pen.rect((ox + 6, fy - h * 0.14, ox + w * 0.3 - 6, fy - h * 0.02), (120, 150, 220), radius=8)
        pen.rect((ox + 10, fy - h * 0.18, ox + w * 0.09, fy - h * 0.11), (250, 250, 250), radius=8)
    elif variant == "living":
        pen.rect((ox, fy - h * 0.16, ox + w * 0.3, fy - h * 0.04), (190, 90, 80), radius=10)
        pen.rect((ox - 8, fy - h * 0.08, ox + w * 0.3 + 8, fy + h * 0.02), (210, 110, 96), radius=10)
    else:
        pen.rect((ox, fy - h * 0.1, ox + w * 0.28, fy - h * 0.07), (170, 110, 60))
        for lx in (ox + 8, ox + w * 0.28 - 16):
            pen.rect((lx, fy - h * 0.07, lx + 8, fy + h * 0.03), (150, 96, 52), ink=False)
        pen.ellipse((ox + w * 0.1, fy - h * 0.15, ox + w * 0.15, fy - h * 0.1), (230, 90, 80))


def draw_school(pen: Pen, rng: Random) -> None:
    """Paint a classroom: chalkboard, clock and a row of desks."""
    w, h = pen.image.size
    fy = int(h * 0.62)
    _room(pen, (240, 232, 196), (200, 176, 140), fy)
    bx0, bx1, by0, by1 = w * 0.22, w * 0.78, h * 0.14, h * 0.4
    pen.rect((bx0 - 8, by0 - 8, bx1 + 8, by1 + 8), (160, 110, 60))
    pen.rect((bx0, by0, bx1, by1), (46, 100, 76), ink=False, shadow=False)
    chalk = pen.plain((236, 240, 230))
    font = get_font(max(10, round(min(w, h) * 0.06)))
    writing = rng.choice(["A B C", "1 + 2 = 3", "a b c"])
    pen.draw.text((bx0 + (bx1 - bx0) * 0.1, by0 + (by1 - by0) * 0.3), writing, font=font, fill=chalk)
    cx, cy, r = w * 0.1, h * 0.2, min(w, h) * 0.05
    pen.ellipse((cx - r, cy - r, cx + r, cy + r), (250, 250, 250))
    pen.draw.line((cx, cy, cx, cy - r * 0.7), fill=INK, width=2)
    pen.draw.line((cx, cy, cx + r * 0.5, cy), fill=INK, width=2)
    for i in range(4):
        x = w * (0.14 + 0.24 * i)
        pen.rect((x - w * 0.07, fy - h * 0.02, x + w * 0.07, fy + h * 0.01), (210, 160, 90))
        pen.rect((x - w * 0.06, fy + h * 0.01, x - w * 0.05, fy + h * 0.07), (110, 110, 120), ink=False)
        pen.rect((x + w * 0.05, fy + h * 0.01, x + w * 0.06, fy + h * 0.07), (110, 110, 120), ink=False)


def draw_shop(pen: Pen, rng: Random) -> None:
    """Paint a shop: three shelving units stocked with random goods over a chequered floor."""
    w, h = pen.image.size
    fy = int(h * 0.64)
    _room(pen, (236, 238, 226), (226, 226, 226), fy)
    t = max(16, w // 20)
    for y in range(fy, h, t):
        for x in range((y - fy) // t % 2 * t, w, 2 * t):
            pen.draw.rectangle((x, y, x + t - 1, y + t - 1), fill=pen.look.tint((200, 204, 210)))
    goods = [(230, 80, 70), (250, 200, 60), (90, 170, 90), (80, 130, 220), (240, 150, 60), (200, 110, 190)]
    for i in range(3):
        x0, x1 = w * (0.03 + 0.33 * i), w * (0.3 + 0.33 * i)
        pen.rect((x0, h * 0.14, x1, fy), (180, 130, 90))
        for j in range(4):
            y = h * 0.14 + (fy - h * 0.14) * (j + 1) / 4
            x = x0 + 8
            while x < x1 - 20:
                iw = rng.uniform(10, 22) * w / 768
                ih = rng.uniform(0.5, 0.85) * (fy - h * 0.14) / 4
                pen.rect((x, y - ih, x + iw, y - 4), rng.choice(goods), ink=False, shadow=False)
                x += iw + 3
            pen.draw.rectangle((x0, y - 4, x1, y), fill=pen.look.tint((130, 90, 60)))
