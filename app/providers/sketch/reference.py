"""Reading a character's reference picture: the colours of its hair, face, top and legs.

The offline illustrator draws panels FROM the references, as a reference-conditioned model does:
a figure takes its colours from the reference picture's pixels, so a reference the parent
uploads shows in every panel. The picture may be anything (our own drawing or an upload), so it
is read loosely: the background is the colour of the picture's border, the figure is what
differs from it, and each part is the commonest colour in its band of the figure's height.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
from collections import Counter
from functools import lru_cache

from PIL import Image, UnidentifiedImageError

from app.providers.sketch.palette import RGB
from app.providers.sketch.traits import Traits

_SIDE = 96  # read at this height: enough for four colours, cheap to decode and count
_BACKGROUND_DISTANCE = 60  # summed RGB difference from the border colour that counts as the figure
# (top, bottom) of each part as shares of the figure's height, and the share of its width read
# around the centre line (arms and hair at the sides stay out of the face and the top).
_BANDS: dict[str, tuple[float, float, float]] = {
    "hair": (0.0, 0.06, 0.5),
    "skin": (0.16, 0.21, 0.12),  # below the hairline, between the eyes
    "top": (0.36, 0.52, 0.3),
    "bottom": (0.72, 0.86, 0.5),
}


def with_reference(traits: Traits, picture: bytes | None) -> Traits:
    """`traits` with the colours read from the reference `picture` (unchanged when it has none to give)."""
    if not picture:
        return traits
    colours = reference_colours(hashlib.sha256(picture).digest(), picture)
    changes: dict[str, RGB | bool] = {k: v for k, v in colours.items() if k in ("hair", "skin", "top")}
    if "skin" in colours and "hair" in colours and _distance(colours["skin"], colours["hair"]) < _BACKGROUND_DISTANCE:
        del changes["skin"]  # a beard or a fringe over the face: its colour is not the skin's
    if "top" in changes:
        changes["top_given"] = True
    if "bottom" in colours and not (traits.dress or traits.shorts):  # then the legs show skin, not trousers
        changes["bottom"] = colours["bottom"]
    return dataclasses.replace(traits, **changes)  # type: ignore[arg-type]


@lru_cache(maxsize=64)
def reference_colours(digest: bytes, picture: bytes) -> dict[str, RGB]:
    """Part name -> colour read from a reference picture (cached by `digest`, its SHA-256)."""
    try:
        with Image.open(io.BytesIO(picture)) as opened:
            opened.draft("RGB", (_SIDE * 4, _SIDE * 4))  # JPEG: decode at a fraction of the size
            image = opened.convert("RGB")
    except (OSError, UnidentifiedImageError, ValueError):
        return {}
    image.thumbnail((_SIDE * 4, _SIDE))
    width, height = image.size
    pixels = image.load()
    background = _border_colour(image)
    mask = [[_distance(pixels[x, y], background) > _BACKGROUND_DISTANCE for x in range(width)] for y in range(height)]
    rows = [y for y in range(height) if any(mask[y])]
    columns = [x for x in range(width) if any(mask[y][x] for y in rows)]
    if len(rows) < 8 or len(columns) < 3:
        return {}
    top, bottom, left, right = rows[0], rows[-1] + 1, columns[0], columns[-1] + 1
    centre, tall = (left + right) / 2, bottom - top
    found: dict[str, RGB] = {}
    for part, (start, end, share) in _BANDS.items():
        half = max(1.0, (right - left) * share / 2)
        band = [
            pixels[x, y]
            for y in range(top + int(start * tall), max(top + int(start * tall) + 1, top + int(end * tall)))
            for x in range(int(centre - half), int(centre + half) + 1)
            if 0 <= x < width and mask[y][x]
        ]
        if colour := _commonest(band):
            found[part] = colour
    return found


def _border_colour(image: Image.Image) -> RGB:
    width, height = image.size
    edge = [image.getpixel((x, y)) for x in range(width) for y in (0, height - 1)]
    edge += [image.getpixel((x, y)) for y in range(height) for x in (0, width - 1)]
    return _commonest(edge) or (255, 255, 255)


def _distance(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    return abs(a[0] - b[0]) + abs(a[1] - b[1]) + abs(a[2] - b[2])


def _commonest(pixels: list[tuple[int, ...]]) -> RGB | None:
    """The mean colour of the commonest 16-level bucket: one colour, not a blend of the parts."""
    if not pixels:
        return None
    buckets = Counter((r >> 4, g >> 4, b >> 4) for r, g, b in pixels)
    key, _ = buckets.most_common(1)[0]
    chosen = [p for p in pixels if (p[0] >> 4, p[1] >> 4, p[2] >> 4) == key]
    return (
        round(sum(p[0] for p in chosen) / len(chosen)),
        round(sum(p[1] for p in chosen) / len(chosen)),
        round(sum(p[2] for p in chosen) / len(chosen)),
    )
