"""Route reporting what the data folder holds."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import ComicServiceDep
from app.models.schemas import ImageStorageStats, JsonStorageStats, StorageProblem, StorageStats

router = APIRouter(prefix="/storage", tags=["storage"])

_MB = 1024 * 1024


@router.get("/stats", response_model=StorageStats)
async def storage_stats(service: ComicServiceDep) -> StorageStats:
    """Counts and sizes of the stored documents and images, and any document that cannot be read."""
    usage = await service.data.usage()
    return StorageStats(
        json_storage=JsonStorageStats(
            total_jobs=usage.jobs,
            total_comics=usage.comics,
            total_characters=usage.characters,
            total_size_mb=round(usage.json_bytes / _MB, 3),
        ),
        image_storage=ImageStorageStats(
            total_images=usage.images,
            panels_size_mb=round(usage.panel_bytes / _MB, 3),
            total_size_mb=round(usage.image_bytes / _MB, 3),
        ),
        total_storage_mb=round((usage.json_bytes + usage.image_bytes) / _MB, 3),
        problems=[StorageProblem(document=name, problem=why) for name, why in service.data.unreadable().items()],
    )
