"""Route for liveness, the active providers and where the data is kept."""

from __future__ import annotations

from fastapi import APIRouter

from app import __version__
from app.api.deps import ServicesDep
from app.models.records import Providers
from app.models.schemas import HealthResponse, PlaceHealth, StorageHealth, StoreHealth
from app.storage.health import PlaceCheck

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthResponse)
async def health(services: ServicesDep) -> HealthResponse:
    """Whether the service is up (`degraded`: some stored documents cannot be read, or the store or the
    images cannot be used), its providers, its instance id and where its data is kept."""
    corrupt = len(services.data.unreadable())
    store, images = await services.data.health()
    degraded = corrupt or store.problem or images.problem
    return HealthResponse(
        status="degraded" if degraded else "ok",
        version=__version__,
        instance_id=services.settings.instance_id,
        providers=Providers(text=services.text.name, image=services.images.name),
        text_model=getattr(services.text, "model", None),
        image_model=getattr(services.images, "model", None),
        moderation=services.moderator.name,
        storage=StorageHealth(corrupt_documents=corrupt),
        store=StoreHealth(**_place(store).model_dump(), schema_version=store.schema_version),
        images=_place(images),
    )


def _place(check: PlaceCheck) -> PlaceHealth:
    return PlaceHealth(kind=check.kind, ok=check.problem is None, problem=check.problem)
