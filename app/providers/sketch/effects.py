"""Whole-image style effects: the blur, screentone and halftone finish, and the cut-out paper grain."""

from __future__ import annotations

from functools import lru_cache
from random import Random

from PIL import Image, ImageChops, ImageDraw, ImageFilter

from app.providers.sketch.palette import Look
from app.providers.sketch.pen import Pen


@lru_cache(maxsize=8)
def _dots(size: tuple[int, int], step: int, radius: float, level: int) -> Image.Image:
    # Built once per size from a two-dot tile: drawing every dot each time would dominate render time.
    tile = Image.new("L", (2 * step, 2 * step), 255)
    d = ImageDraw.Draw(tile)
    for cx, cy in ((step * 0.5, step * 0.5), (step * 1.5, step * 1.5)):
        d.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=level)
    out = Image.new("L", size, 255)
    for y in range(0, size[1], 2 * step):
        for x in range(0, size[0], 2 * step):
            out.paste(tile, (x, y))
    return out


def finish(image: Image.Image, look: Look) -> Image.Image:
    """Apply the style's whole-image effect (blur, screentone, halftone) before labels go on."""
    step = max(4, round(min(image.size) / 85))
    if look.name == "storybook":
        return image.filter(ImageFilter.BoxBlur(max(1, round(min(image.size) / 400))))
    if look.name == "manga":
        # Manga inks three ways: paper white for light areas, screentone for mid greys, solid for dark.
        grey = image.convert("L")
        out = grey.point(lambda v: 255 if v >= 185 else v)
        light = _dots(image.size, step, step * 0.2, 60)
        dense = _dots(image.size, step, step * 0.34, 30)
        out = Image.composite(light, out, grey.point(lambda v: 255 if 150 <= v < 185 else 0))
        out = Image.composite(dense, out, grey.point(lambda v: 255 if 110 <= v < 150 else 0))
        return out.convert("RGB")
    if look.name == "comic_book":
        dots = _dots(image.size, step, step * 0.26, 150).convert("RGB")
        mask = image.convert("L").point(lambda v: 255 if 60 < v < 236 else 0)
        return Image.composite(ImageChops.multiply(image, dots), image, mask)
    return image


def paper_texture(pen: Pen, rng: Random) -> None:
    """Speckles and fibres that make a flat background read as craft paper."""
    w, h = pen.image.size
    n = w * h // 250
    pen.draw.point([(rng.randrange(w), rng.randrange(h)) for _ in range(n)], fill=(90, 70, 40, 45))
    pen.draw.point([(rng.randrange(w), rng.randrange(h)) for _ in range(n)], fill=(255, 255, 255, 90))
    for _ in range(40):
        x, y = rng.randrange(w), rng.randrange(h)
        pen.draw.line((x, y, x + rng.randint(-14, 14), y + rng.randint(-6, 6)), fill=(120, 100, 70, 50))
