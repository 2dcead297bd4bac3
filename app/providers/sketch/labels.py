"""Text on the panel: name tags and prop tags, and the frame drawn over everything.

These go on after the style's effects so that names stay crisp in every style. The scene title and
the dialogue are not drawn here: `app/rendering/lettering.py` letters them onto a copy of the panel.
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


def border(pen: Pen) -> None:
    """The panel frame, in the style's ink."""
    w, h = pen.image.size
    width = max(2, round(min(w, h) / 110))
    pen.draw.rectangle((0, 0, w - 1, h - 1), outline=pen.look.tint(pen.look.border), width=width)
