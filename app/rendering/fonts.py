"""The lettering fonts: Comic Neue ships with the app; wider fonts set what it cannot.

A font is chosen per piece of text: the first one in the chain with a glyph for every character,
so accented Latin text never shows tofu boxes. Pillow's built-in FreeType font is the last resort
(it only covers ASCII well), used when the shipped files are missing.
"""

from __future__ import annotations

import logging
import unicodedata
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

log = logging.getLogger(__name__)

FONT_DIR = Path(__file__).resolve().parent / "fonts"
_CHAINS = {
    True: ("ComicNeue-Bold.otf", "DejaVuSans-Bold.ttf"),
    False: ("ComicNeue-Regular.otf", "DejaVuSans-Bold.ttf"),
}
# A code point no font here maps (plane 16 private use): what "no glyph" renders as.
_NO_GLYPH = "\U0010fffd"
_PROBE_SIZE = 48

Font = ImageFont.FreeTypeFont


def normalize(text: str) -> str:
    """NFC-composed text with control characters turned into spaces (a font cannot set them)."""
    text = unicodedata.normalize("NFC", text)
    return "".join(" " if unicodedata.category(ch)[0] == "C" and ch != "\n" else ch for ch in text)


@lru_cache(maxsize=256)
def _load(name: str, size: int) -> Font | None:
    try:
        return ImageFont.truetype(str(FONT_DIR / name), size, layout_engine=ImageFont.Layout.BASIC)
    except OSError:
        log.warning("font %s is missing or unreadable; falling back", name)
        return None


def _glyph_pixels(font: Font, char: str) -> bytes:
    canvas = Image.new("L", (_PROBE_SIZE * 2, _PROBE_SIZE * 2))
    ImageDraw.Draw(canvas).text((_PROBE_SIZE // 2, _PROBE_SIZE // 2), char, font=font, fill=255)
    return canvas.tobytes()


@lru_cache(maxsize=4096)
def has_glyph(name: str, char: str) -> bool:
    """Whether the font file `name` draws `char` with a real glyph (not its "missing" box)."""
    if char.isspace():
        return True
    font = _load(name, _PROBE_SIZE)
    if font is None:
        return False
    return _glyph_pixels(font, char) != _glyph_pixels(font, _NO_GLYPH)


def font_name_for(text: str, *, bold: bool = True) -> str | None:
    """The first shipped font that can set every character of `text`; None means Pillow's default."""
    chars = set(text)
    for name in _CHAINS[bold]:
        if all(has_glyph(name, ch) for ch in chars):
            return name
    return None


@lru_cache(maxsize=512)
def _sized(name: str | None, size: int) -> Font:
    font = _load(name, size) if name else None
    if font is None:
        default = ImageFont.load_default(size=size)
        assert isinstance(default, ImageFont.FreeTypeFont)  # Pillow is always built with FreeType here
        return default
    return font


def font_for(text: str, size: int, *, bold: bool = True) -> Font:
    """A font of `size` pixels able to set `text` (see the module docstring for the order)."""
    return _sized(font_name_for(text, bold=bold), max(1, int(size)))
