"""What the fal.ai provider tests share: a panel request, the job's side of its callbacks, one draw."""

from __future__ import annotations

import dataclasses

from app.models.records import ImageIntent
from app.providers.fal_images import FalImageModel
from config import Settings
from external_services import ImageRequest
from tests.utils.factories import SCENE_DRAFT

REQUEST = ImageRequest(prompt="Mia at the bus stop", width=64, height=48, seed=7, scene=SCENE_DRAFT)


class Recorder:
    """The job's side of the callbacks: what the provider told it, in order."""

    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []

    async def submitting(self, seed: int) -> None:
        self.events.append(("submitting", seed))

    async def submitted(self, request_id: str | None) -> None:
        self.events.append(("submitted", request_id))

    def on(self, request: ImageRequest, intent: ImageIntent | None = None) -> ImageRequest:
        """`request` with its callbacks recording here, and `intent` as an earlier attempt's unconfirmed one."""
        return dataclasses.replace(
            request, unconfirmed=intent, on_submitting=self.submitting, on_submitted=self.submitted
        )


async def draw(settings: Settings, request: ImageRequest) -> None:
    """Draw `request` with a new provider, checking a PNG came back, and close it."""
    model = FalImageModel(settings)
    try:
        image = await model.draw(request)
        assert image.data.startswith(b"\x89PNG")
    finally:
        await model.aclose()
