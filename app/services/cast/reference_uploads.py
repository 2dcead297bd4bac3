"""Checking a reference picture a parent uploads, and re-encoding it before it is stored.

The bytes come from outside, so nothing of them is kept as sent: they must be a PNG, JPEG or
WebP of the type the request declares, within the size and pixel limits, decode completely, and
are then drawn again as a fresh PNG (no metadata, no trailing data, turned upright from the
EXIF orientation, at most `_SIDE` px on the longer side).
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from app.errors import InvalidImage, TooLarge, UnsupportedImageType

ACCEPTED_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}
_MAX_PIXELS = 6000 * 6000  # checked from the header, before a single pixel is decoded: no decompression bomb
_SIDE = 1024  # a reference needs no more: panels send it to the model at 512 px


def clean_upload(data: bytes, content_type: str | None, max_bytes: int) -> bytes:
    """The uploaded picture re-encoded as PNG; raises UnsupportedImageType, TooLarge or InvalidImage."""
    declared = (content_type or "").split(";", 1)[0].strip().lower()
    if declared not in ACCEPTED_TYPES:
        accepted = ", ".join(ACCEPTED_TYPES)
        raise UnsupportedImageType(
            f"send the picture as the request body with Content-Type {accepted}; got {declared or 'none'}"
        )
    if len(data) > max_bytes:
        raise TooLarge(f"the picture is {len(data)} bytes; at most {max_bytes} are accepted")
    if not data:
        raise InvalidImage("the request body is empty: send the picture's bytes")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(ACCEPTED_TYPES.values())) as image:
                if image.format != ACCEPTED_TYPES[declared]:
                    raise UnsupportedImageType(f"the picture is a {image.format}, not the {declared} it is sent as")
                if image.width * image.height > _MAX_PIXELS:
                    raise InvalidImage(
                        f"the picture is {image.width}x{image.height} pixels; at most {_MAX_PIXELS} pixels"
                    )
                image.load()  # every pixel: a truncated file fails here, not later in a panel
                upright = ImageOps.exif_transpose(image).convert("RGBA")
    except (InvalidImage, UnsupportedImageType):
        raise
    except UnidentifiedImageError:
        raise UnsupportedImageType("the body is not a PNG, JPEG or WebP picture") from None
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise InvalidImage(f"the picture has too many pixels: {exc}") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise InvalidImage(f"the picture cannot be decoded (damaged or cut short?): {exc}") from exc
    upright.thumbnail((_SIDE, _SIDE))
    out = io.BytesIO()
    upright.save(out, "PNG", optimize=False, compress_level=6)
    return out.getvalue()
