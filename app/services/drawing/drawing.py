"""Drawing one picture: the provider call within its time limit, the check that it is an image, and storing it.

The pipeline (a comic's panels) and the reviser (redrawing one panel) both draw this way, and both
record the result as a `Picture`. The pipeline stores and letters a panel at once, so it fetches
the checked picture (`fetch_picture`) and stores it itself; the reviser uses `draw_picture`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from app.models.records import Picture
from app.providers.usage import record_image
from app.storage.image_store import ImageInfo, probe_image
from external_services import DrawnImage, ImageModel, ImageRequest, ProviderError


async def fetch_picture(images: ImageModel, request: ImageRequest, seconds: float) -> tuple[DrawnImage, ImageInfo]:
    """Draw `request` within `seconds` and check that it is an image; raises ProviderError or InvalidImage."""
    try:
        async with asyncio.timeout(seconds):
            image = await images.draw(request)
    except TimeoutError:
        raise ProviderError(f"no image after {seconds:g} s") from None
    record_image()  # paid for, whether or not it turns out to be usable
    return image, await asyncio.to_thread(probe_image, image.data)


def picture_record(images: ImageModel, request: ImageRequest, image: DrawnImage, info: ImageInfo, path: str) -> Picture:
    """The record of a fetched picture stored at `path`."""
    return Picture(
        prompt=request.prompt,
        **info.picture_fields(path),
        seed=image.seed if image.seed is not None else request.seed,
        provider=images.name,
        source_url=image.source_url,
    )


async def draw_picture(
    images: ImageModel,
    request: ImageRequest,
    seconds: float,
    store: Callable[[bytes, ImageInfo], Awaitable[str]],
) -> tuple[Picture, bytes]:
    """Draw `request` within `seconds` and `store` it; returns its record and its bytes.

    `store` saves the checked image and returns its path; raises ProviderError or InvalidImage.
    """
    image, info = await fetch_picture(images, request, seconds)
    path = await store(image.data, info)
    return picture_record(images, request, image, info, path), image.data
