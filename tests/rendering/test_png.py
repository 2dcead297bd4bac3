"""The fast PNG encoder: ordinary PNGs that decode to exactly the pixels given."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

from app.rendering.png import encode_png


def _picture(width: int, height: int) -> Image.Image:
    image = Image.new("RGB", (width, height), (250, 246, 230))
    draw = ImageDraw.Draw(image)
    draw.ellipse((width // 5, height // 5, width * 3 // 4, height * 4 // 5), fill=(200, 40, 60), outline=(0, 0, 0))
    draw.text((4, 4), "Mia: No thank you!", fill=(10, 10, 10))
    for x in range(0, width, 7):
        draw.line((x, 0, width - x, height), fill=(x % 256, 90, 255 - x % 256))
    return image


@pytest.mark.parametrize("size", [(768, 512), (1, 1), (5, 1), (1, 9), (333, 77)])
def test_decodes_to_the_same_pixels(size: tuple[int, int]) -> None:
    image = _picture(*size)
    data = encode_png(image)
    with Image.open(io.BytesIO(data)) as decoded:
        assert decoded.format == "PNG"
        assert (decoded.mode, decoded.size) == ("RGB", size)
        assert decoded.tobytes() == image.tobytes()


def test_other_modes_are_stored_as_rgb() -> None:
    image = _picture(64, 48).convert("RGBA")
    with Image.open(io.BytesIO(encode_png(image))) as decoded:
        assert decoded.mode == "RGB"
        assert decoded.tobytes() == image.convert("RGB").tobytes()


def test_a_drawn_picture_compresses_like_pillows_own_png() -> None:
    image = _picture(768, 512)
    pillow = io.BytesIO()
    image.save(pillow, "PNG")
    ours = encode_png(image)
    assert len(ours) < len(image.tobytes()) / 5
    assert len(ours) < 2 * len(pillow.getvalue())
