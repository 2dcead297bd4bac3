"""Route for the reader page: a finished comic as an HTML page, for people rather than programs."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from app.api.deps import ComicServiceDep
from app.api.responses import errors
from app.rendering.reader import CSP, reader_html

router = APIRouter(tags=["reader"])


@router.get(
    "/comics/{comic_id}/view",
    response_class=HTMLResponse,
    responses={**errors(404, 422), 200: {"content": {"text/html": {}}, "description": "The reader page"}},
)
async def view_comic(comic_id: UUID, service: ComicServiceDep) -> HTMLResponse:
    """The comic as a web page: title, lettered panels in order, lessons and the PNG and PDF downloads."""
    comic = await service.data.get_comic(comic_id)
    return HTMLResponse(
        reader_html(comic),
        headers={"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"},
    )
