"""The arguments of a panel drawn from character references on fal.ai (`FAL_REFERENCE_MODEL`).

The default endpoint, FLUX.1 Kontext [pro] multi (`fal-ai/flux-pro/kontext/multi`), takes
`prompt`, `image_urls` (the references), `seed`, `aspect_ratio` (an enum, not a pixel size),
`num_images`, `output_format` and `safety_tolerance`, and answers like FLUX text-to-image
(`images`, `seed`, `has_nsfw_concepts`).

The references travel inside the request as `data:` URIs of a compact JPEG (at most 512 px on its
longer side, ~25-40 KB each), not as fal storage uploads: no extra round trip and no upload
protocol before each panel, no stored file that may expire before a resumed job submits, and the
arguments are a pure function of the request, so the crash lookup (`fal_requests.py`) finds the
same request again. The price is a bigger request body (four references: ~200 KB), which fal's
queue accepts; a reference is encoded once per process and reused by every panel.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import math
from collections import OrderedDict
from typing import Any

from PIL import Image

from external_services import CharacterReference, ImageRequest

# The ratios Kontext accepts; a panel asks for the one nearest its own.
_RATIOS = {"21:9": 21 / 9, "16:9": 16 / 9, "3:2": 3 / 2, "4:3": 4 / 3, "1:1": 1.0, "3:4": 3 / 4, "2:3": 2 / 3}
_RATIOS |= {"9:16": 9 / 16, "9:21": 9 / 21}
_SIDE = 512  # longest side of a reference as sent: enough for a character's look, small on the wire
_QUALITY = 85
_KEPT = 32  # encoded references kept (a comic has at most four)


def aspect_ratio(width: int, height: int) -> str:
    """The supported aspect ratio nearest `width` x `height` (compared on a log scale)."""
    wanted = math.log(width / height)
    return min(_RATIOS, key=lambda name: abs(math.log(_RATIOS[name]) - wanted))


def reference_prompt(prompt: str, references: tuple[CharacterReference, ...]) -> str:
    """The panel prompt, told which reference picture is whom (the model sees them in this order)."""
    who = "; ".join(f"picture {n}: {ref.name}" for n, ref in enumerate(references, start=1))
    return f"{prompt} Draw each character exactly as in their reference picture ({who}), in this scene."


def compact_jpeg(data: bytes) -> bytes:
    """A reference picture as a small JPEG on white (transparency flattened)."""
    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (_SIDE, _SIDE))
        rgba = image.convert("RGBA")
    rgba.thumbnail((_SIDE, _SIDE))
    flat = Image.new("RGB", rgba.size, (255, 255, 255))
    flat.paste(rgba, mask=rgba.getchannel("A"))
    out = io.BytesIO()
    flat.save(out, "JPEG", quality=_QUALITY)
    return out.getvalue()


def _data_uri(data: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(compact_jpeg(data)).decode("ascii")


class ReferenceUris:
    """`data:` URIs of compact references, made once per picture (in a worker thread) and kept.

    The six panels of a comic ask for the same references at the same moment: they share one
    encoding per picture instead of each making its own.
    """

    def __init__(self) -> None:
        self._kept: OrderedDict[bytes, asyncio.Future[str]] = OrderedDict()

    async def uri(self, reference: CharacterReference) -> str:
        """The reference as a `data:image/jpeg;base64,...` URI."""
        digest = hashlib.sha256(reference.data).digest()
        found = self._kept.get(digest)
        if found is None or (found.done() and found.exception() is not None):
            found = asyncio.ensure_future(asyncio.to_thread(_data_uri, reference.data))
            self._kept[digest] = found
            while len(self._kept) > _KEPT:
                self._kept.popitem(last=False)
        self._kept.move_to_end(digest)
        return await asyncio.shield(found)  # a cancelled panel leaves the encoding to the others

    async def arguments(self, request: ImageRequest) -> dict[str, Any]:
        """The reference endpoint's input for a panel with references."""
        return {
            "prompt": reference_prompt(request.prompt, request.references),
            "image_urls": [await self.uri(ref) for ref in request.references],
            "seed": request.seed,
            "aspect_ratio": aspect_ratio(request.width, request.height),
            "num_images": 1,
            "output_format": "png",
            "safety_tolerance": "2",  # fal's default; 1 is strictest
        }
