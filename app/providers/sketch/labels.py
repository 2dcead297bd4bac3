"""Text on the panel: name tags, the scene badge and caption, and the frame drawn over everything.

These go on after the style's effects so that names and numbers stay crisp in every style.
"""

from __future__ import annotations

from functools import lru_cache

from PIL import ImageDraw, ImageFont

from app.providers.sketch.palette import INK, RGB
from app.providers.sketch.pen import Pen

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@lru_cache(maxsize=16)
def get_font(size: int) -> Font:
    """Pillow's bundled default font at `size` px, so no font files are needed."""
    return ImageFont.load_default(size=size)


def fit_text(draw: ImageDraw.ImageDraw, text: str, font: Font, max_w: float) -> str:
    """`text`, shortened with an ellipsis until it is at most `max_w` pixels wide ('' if nothing fits)."""
    if draw.textlength(text, font=font) <= max_w:
        return text
    while text and draw.textlength(text + "...", font=font) > max_w:
        text = text[:-1]
    return text.rstrip() + "..." if text else ""


def label(pen: Pen, text: str, cx: float, top: float, size: int, max_w: float, fill: RGB = (255, 255, 255)) -> None:
    """A name tag: `text` centred under (`cx`, `top`) in a rounded pill, clipped to `max_w`."""
    font = get_font(size)
    pad = size * 0.4
    text = fit_text(pen.draw, text, font, max_w - 2 * pad)
    if not text:
        return
    w = pen.draw.textlength(text, font=font)
    edge = min(pen.image.size) * 0.02  # keep the tag clear of the panel frame
    cx = min(max(cx, edge + w / 2 + pad), pen.image.size[0] - edge - w / 2 - pad)
    box = (cx - w / 2 - pad, top, cx + w / 2 + pad, top + size * 1.35)
    pen.draw.rounded_rectangle(
        box, radius=size * 0.5, fill=pen.plain(fill, 235), outline=pen.plain(INK), width=max(1, size // 12)
    )
    pen.draw.text((cx, top + size * 0.68), text, font=font, fill=pen.plain(INK), anchor="mm")


def badge(pen: Pen, number: int, title: str) -> None:
    """The scene number in a circle at the top left, with the scene title in a caption box beside it."""
    w, h = pen.image.size
    s = min(w, h)
    r, m = s * 0.055, s * 0.025
    size = max(11, round(s * 0.034))
    font = get_font(size)
    cap_x, cap_h = m + 2 * r + m * 0.6, size * 1.6
    cap_y = m + r - cap_h / 2
    text = fit_text(pen.draw, title, font, w - cap_x - 2 * m - size)
    if text:
        tw = pen.draw.textlength(text, font=font)
        box = (cap_x, cap_y, cap_x + tw + size, cap_y + cap_h)
        pen.draw.rectangle(box, fill=pen.plain((255, 246, 200), 240), outline=pen.plain(INK), width=max(1, size // 10))
        pen.draw.text((cap_x + size / 2, cap_y + cap_h / 2), text, font=font, fill=pen.plain(INK), anchor="lm")
    pen.ellipse((m, m, m + 2 * r, m + 2 * r), (250, 196, 60), ink=False, shadow=True)
    pen.draw.ellipse((m, m, m + 2 * r, m + 2 * r), outline=pen.plain(INK), width=max(2, round(s / 200)))
    pen.draw.text((m + r, m + r), str(number), font=get_font(round(r * 1.1)), fill=pen.plain(INK), anchor="mm")


def border(pen: Pen) -> None:
    """The panel frame, in the style's ink."""
    w, h = pen.image.size
    width = max(2, round(min(w, h) / 110))
    pen.draw.rectangle((0, 0, w - 1, h - 1), outline=pen.look.tint(pen.look.border), width=width)
