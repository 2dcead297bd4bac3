"""Route serving stored images."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from app.api.deps import ServicesDep
from app.api.responses import errors

router = APIRouter(tags=["media"])


@router.get(
    "/media/{path:path}",
    response_class=FileResponse,
    responses={
        **errors(404),
        200: {"content": {"image/png": {}, "image/jpeg": {}, "image/webp": {}, "application/pdf": {}}},
    },
)
async def get_media(path: str, services: ServicesDep) -> FileResponse:
    """A stored image or PDF, by a URL in a result (`image_url`, `page_url`, ...; only files inside the data folder)."""
    file = await services.prints.locate(path)  # a finished comic's PDF that is not made yet is rendered first
    return FileResponse(file, headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})
