"""Route for liveness and the active providers."""

from __future__ import annotations

from fastapi import APIRouter

from app import __version__
from app.api.deps import ServicesDep
from app.models.records import Providers
from app.models.schemas import HealthResponse, StorageHealth

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthResponse)
async def health(services: ServicesDep) -> HealthResponse:
    """Whether the service is up (`degraded`: some stored documents cannot be read) and its providers."""
    corrupt = len(services.data.unreadable())
    return HealthResponse(
        status="degraded" if corrupt else "ok",
        version=__version__,
        providers=Providers(text=services.text.name, image=services.images.name),
        text_model=getattr(services.text, "model", None),
        image_model=getattr(services.images, "model", None),
        moderation=services.moderator.name,
        storage=StorageHealth(corrupt_documents=corrupt),
    )
