"""Route serving stored images.

Streamed through the service from whichever store holds them (the images folder or the bucket), so
`/media/...` answers the same on every instance with the same headers; see README "Where images live"
for why the bucket's objects are not served by redirecting to a presigned URL.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from app.api.deps import ServicesDep
from app.api.responses import errors

router = APIRouter(tags=["media"])


@router.get(
    "/media/{path:path}",
    response_class=StreamingResponse,
    responses={
        **errors(404, 503),
        200: {"content": {"image/png": {}, "image/jpeg": {}, "image/webp": {}, "application/pdf": {}}},
    },
)
async def get_media(path: str, services: ServicesDep) -> StreamingResponse:
    """A stored image or PDF, by a URL in a result (`image_url`, `page_url`, ...; only files the store wrote)."""
    stored = await services.prints.media(path)  # a finished comic's PDF that is not made yet is rendered first
    headers = {"Content-Length": str(stored.size), "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
    return StreamingResponse(stored.chunks, media_type=stored.content_type, headers=headers)
