"""Routes for one panel of a finished comic: redraw it, list its versions, restore one."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, status

from app.api.deps import ComicServiceDep
from app.api.responses import errors
from app.models.schemas import JobStatusResponse, PanelVersionOut, PanelVersionsResponse, RedrawPanelRequest

router = APIRouter(prefix="/comics", tags=["panels"])

PanelId = Annotated[int, Path(ge=1, le=99, description="the panel's number, 1..panel_count", examples=[2])]
Version = Annotated[int, Path(ge=1, le=9999, description="a version number from .../versions", examples=[1])]


@router.post(
    "/{job_id}/panels/{panel_id}/regenerate",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobStatusResponse,
    responses=errors(404, 409, 422),
)
async def regenerate_panel(
    job_id: UUID, panel_id: PanelId, service: ComicServiceDep, body: RedrawPanelRequest | None = None
) -> JobStatusResponse:
    """Redraw one panel of a finished comic in the background; its current picture is kept as a version."""
    body = body or RedrawPanelRequest()
    return JobStatusResponse.of(await service.panels.redraw(job_id, panel_id, body.prompt, body.seed))


@router.get(
    "/{job_id}/panels/{panel_id}/versions", response_model=PanelVersionsResponse, responses=errors(404, 409, 422)
)
async def list_panel_versions(job_id: UUID, panel_id: PanelId, service: ComicServiceDep) -> PanelVersionsResponse:
    """Every picture the panel has had, oldest first, and which one the comic shows."""
    panel, history = await service.panels.versions(job_id, panel_id)
    versions = [
        PanelVersionOut(current=v.version == panel.version, image_url=f"/media/{v.image_path}", **v.model_dump())
        for v in history
    ]
    return PanelVersionsResponse(job_id=job_id, panel_id=panel.panel_id, current=panel.version, versions=versions)


@router.post(
    "/{job_id}/panels/{panel_id}/versions/{version}/select",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobStatusResponse,
    responses=errors(404, 409, 422),
)
async def select_panel_version(
    job_id: UUID, panel_id: PanelId, version: Version, service: ComicServiceDep
) -> JobStatusResponse:
    """Show an earlier picture of the panel again; it is re-lettered and the page and PDFs recomposed (202)."""
    return JobStatusResponse.of(await service.panels.restore(job_id, panel_id, version))
