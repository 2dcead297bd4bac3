"""Figures: a friendly standing character drawn from its traits (body, clothes, hair, hat and face)."""

from __future__ import annotations

from app.providers.sketch.palette import INK
from app.providers.sketch.pen import Pen
from app.providers.sketch.traits import Traits

# Head radius and body width as shares of the figure's height: children have bigger heads and stockier bodies.
_BODY_RATIOS: dict[str, tuple[float, float]] = {
    "adult": (0.1, 0.3),
    "preteen": (0.115, 0.32),
    "child": (0.13, 0.36),
}
# How wide a figure stands, arms included, as a share of its height; used to space figures apart.
WIDTH_RATIO: dict[str, float] = {"adult": 0.5, "preteen": 0.55, "child": 0.62}


def head_circle(kind: str, cx: float, base: float, h: float) -> tuple[float, float, float]:
    """Where the head of a figure of `kind`, `h` tall with its feet at (`cx`, `base`), is drawn: (x, y, radius)."""
    r = h * _BODY_RATIOS[kind][0]
    return cx, base - h + r, r


def draw_figure(pen: Pen, t: Traits, cx: float, base: float, h: float) -> None:
    """A friendly standing figure, `h` pixels tall, feet at (`cx`, `base`)."""
    _, hy, r = head_circle(t.kind, cx, base, h)
    bw = h * _BODY_RATIOS[t.kind][1] / 2
    neck = hy + r * 0.9
    hip = neck + (base - neck) * 0.52
    lw, shoe = h * 0.045, max(3.0, h * 0.035)
    _draw_back_hair(pen, t, cx, hy, r)
    for sx in (-1, 1):
        lx = cx + sx * bw * 0.45
        pen.rect((lx - lw, hip - 4, lx + lw, base - shoe), t.skin if t.dress or t.shorts else t.bottom)
        if t.shorts:
            pen.rect((lx - lw * 1.3, hip - 4, lx + lw * 1.3, hip + (base - hip) * 0.4), t.bottom, shadow=False)
        pen.ellipse(
            (lx - lw * 1.4 + sx * lw * 0.4, base - shoe * 2, lx + lw * 1.4 + sx * lw * 0.4, base),
            (60, 50, 50),
        )
    aw = h * 0.045
    for sx in (-1, 1):
        x0, y0, x1, y1 = cx + sx * bw * 0.8, neck + aw, cx + sx * (bw + h * 0.06), hip
        pen.polygon([(x0 - aw, y0), (x0 + aw, y0), (x1 + aw, y1), (x1 - aw, y1)], t.top if t.long_sleeves else t.skin)
        if not t.long_sleeves:
            my = y0 + (y1 - y0) * 0.35
            mx = x0 + (x1 - x0) * 0.35
            pen.polygon(
                [
                    (x0 - aw * 1.2, y0 - aw),
                    (x0 + aw * 1.2, y0 - aw),
                    (mx + aw * 1.2, my),
                    (mx - aw * 1.2, my),
                ],
                t.top,
            )
        pen.ellipse((x1 - aw * 1.2, y1 - aw, x1 + aw * 1.2, y1 + aw * 1.4), t.skin)
    if t.dress:
        hem = hip + (base - hip) * 0.45
        pen.polygon(
            [(cx - bw * 0.8, neck), (cx + bw * 0.8, neck), (cx + bw * 1.35, hem), (cx - bw * 1.35, hem)],
            t.top,
        )
    else:
        pen.rect((cx - bw, neck, cx + bw, hip + h * 0.02), t.top, radius=bw * 0.45)
    if t.striped:
        stripe = pen.plain((250, 250, 250), 200)
        for y in range(int(neck + h * 0.05), int(hip), max(4, int(h * 0.045))):
            pen.draw.line((cx - bw * 0.85, y, cx + bw * 0.85, y), fill=stripe, width=max(2, int(h * 0.015)))
    if t.long_sleeves and not t.dress:
        pen.draw.rectangle((cx - bw * 0.12, neck + 2, cx + bw * 0.12, hip), fill=pen.plain((245, 245, 240), 170))
    _draw_head(pen, t, cx, hy, r)


def _draw_back_hair(pen: Pen, t: Traits, cx: float, hy: float, r: float) -> None:
    # Drawn before the body so that long hair falls behind the shoulders, not over the chest.
    style = t.hair_style
    if style == "afro":
        pen.ellipse((cx - r * 1.5, hy - r * 1.7, cx + r * 1.5, hy + r * 0.9), t.hair)
    elif style == "long":
        pen.rect((cx - r * 1.12, hy - r * 0.6, cx + r * 1.12, hy + r * 1.5), t.hair, radius=r * 0.6)
    elif style == "ponytail":
        pen.ellipse((cx + r * 0.6, hy - r * 0.5, cx + r * 1.45, hy + r * 1.3), t.hair)
    elif style == "pigtails":
        for sx in (-1, 1):
            px = cx + sx * r * 1.15
            pen.ellipse((px - r * 0.45, hy - r * 0.3, px + r * 0.45, hy + r * 0.6), t.hair)


def _draw_head(pen: Pen, t: Traits, cx: float, hy: float, r: float) -> None:
    style = t.hair_style
    pen.ellipse((cx - r, hy - r, cx + r, hy + r), t.skin)
    if t.beard:
        pen.pieslice((cx - r * 0.92, hy - r * 0.25, cx + r * 0.92, hy + r * 1.1), 5, 175, t.hair)
    if style == "spiky":
        for i in range(5):
            x = cx - r * 0.8 + i * r * 0.4
            pen.polygon([(x - r * 0.28, hy - r * 0.6), (x + r * 0.28, hy - r * 0.6), (x, hy - r * 1.35)], t.hair)
    if style != "afro":
        pen.pieslice((cx - r * 1.05, hy - r * 1.1, cx + r * 1.05, hy + r * 0.5), 180, 360, t.hair)
    if style == "curly":
        for i in range(5):
            x, y, k = cx - r * 0.8 + i * r * 0.4, hy - r * (0.8 if i in (0, 4) else 0.98), r * 0.28
            pen.ellipse((x - k, y - k, x + k, y + k), t.hair, ink=False, shadow=False)
    if t.hat_style == "cap" and t.hat:
        pen.pieslice((cx - r * 1.08, hy - r * 1.2, cx + r * 1.08, hy + r * 0.35), 180, 360, t.hat)
        pen.rect((cx, hy - r * 0.5, cx + r * 1.6, hy - r * 0.3), t.hat, radius=r * 0.1, shadow=False)
    elif t.hat_style == "headband" and t.hat:
        box = (cx - r * 1.0, hy - r * 1.05, cx + r * 1.0, hy + r * 0.95)
        pen.draw.arc(box, 195, 345, fill=pen.plain(t.hat), width=max(3, int(r * 0.22)))
    _draw_face(pen, t, cx, hy, r)


def _draw_face(pen: Pen, t: Traits, cx: float, hy: float, r: float) -> None:
    d = pen.draw
    big = pen.look.name == "manga"  # manga's big glossy eyes are its most recognisable trait
    er = r * (0.17 if big else 0.11)
    for sx in (-1, 1):
        ex, ey = cx + sx * r * 0.36, hy + r * 0.02
        d.ellipse((ex - er, ey - er * 1.2, ex + er, ey + er * 1.2), fill=pen.plain(INK))
        d.ellipse((ex - er * 0.2, ey - er * 0.8, ex + er * 0.45, ey - er * 0.1), fill=(255, 255, 255, 230))
        if not t.beard:
            d.ellipse(
                (ex + sx * r * 0.16 - r * 0.13, ey + r * 0.22, ex + sx * r * 0.16 + r * 0.13, ey + r * 0.4),
                fill=pen.plain((240, 120, 120), 110),
            )
        if t.glasses:
            gr = r * 0.27
            d.ellipse((ex - gr, ey - gr, ex + gr, ey + gr), outline=pen.plain(INK), width=max(2, int(r * 0.07)))
    if t.glasses:
        d.line((cx - r * 0.1, hy, cx + r * 0.1, hy), fill=pen.plain(INK), width=max(2, int(r * 0.07)))
    if t.freckles:
        for fx, fy in ((-0.5, 0.28), (-0.38, 0.36), (0.38, 0.36), (0.5, 0.28)):
            d.ellipse(
                (cx + fx * r - 1.5, hy + fy * r - 1.5, cx + fx * r + 1.5, hy + fy * r + 1.5),
                fill=pen.plain((170, 100, 70)),
            )
    mouth = (250, 240, 230) if t.beard else (120, 40, 40)
    d.arc(
        (cx - r * 0.35, hy + r * 0.05, cx + r * 0.35, hy + r * 0.6),
        20,
        160,
        fill=pen.plain(mouth),
        width=max(2, int(r * 0.09)),
    )
