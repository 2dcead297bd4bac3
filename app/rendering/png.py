"""A fast PNG encoder for the pictures we make: one fixed row filter and quick deflate.

Pillow's encoder tries all five PNG row filters on every row and keeps the best, which is most
of the time it takes: ~110 ms for a comic page, a step that sits between the last panel and the
comic's `completed`. Filtering every row with "Up" (each byte minus the one above it, which
Pillow computes in C) and deflating at level 1 gives files about as small for drawn pictures
(comic pages: 0.32 MB against Pillow's 0.27 MB) in ~40 % of the time, and smaller than Pillow's
level 1 for photographic ones. The output is an ordinary 8-bit RGB PNG that any reader opens.
"""

from __future__ import annotations

import struct
import zlib

from PIL import Image, ImageChops

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_UP = b"\x02"  # PNG filter type 2: difference from the pixel above (the row above the first is zeros)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(image: Image.Image, level: int = 1) -> bytes:
    """`image` as PNG bytes (RGB, 8 bits per channel; other modes are converted to RGB first)."""
    image = image if image.mode == "RGB" else image.convert("RGB")
    width, height = image.size
    above = Image.new("RGB", (width, height))  # the picture moved down one row, zeros on top
    if height > 1:
        above.paste(image.crop((0, 0, width, height - 1)), (0, 1))
    filtered = ImageChops.subtract_modulo(image, above).tobytes()
    stride = width * 3
    rows = b"".join(_UP + filtered[start : start + stride] for start in range(0, len(filtered), stride))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB, deflate, no interlace
    return _SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows, level)) + _chunk(b"IEND", b"")
