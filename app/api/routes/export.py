"""Routes exporting the store for Supabase (PostgreSQL + Storage) and downloading the export."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, status
from fastapi.responses import StreamingResponse

from app.api.deps import ExportServiceDep
from app.api.responses import errors
from app.models.export import ExportCreated, ExportRequest

router = APIRouter(prefix="/export", tags=["export"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ExportCreated, responses=errors(404, 409, 422))
async def create_export(
    request: Request, service: ExportServiceDep, body: ExportRequest | None = None
) -> ExportCreated:
    """Export the whole store, or one finished comic, under the data folder; answers the manifest."""
    manifest = await service.create(body.comic_id if body else None)
    url = request.app.url_path_for("download_export", export_id=str(manifest.export_id))
    return ExportCreated(**manifest.model_dump(), download_url=str(url))


@router.get(
    "/{export_id}.zip",
    response_class=StreamingResponse,
    responses={**errors(404, 422), 200: {"content": {"application/zip": {}}, "description": "the export as a zip"}},
)
async def download_export(export_id: UUID, service: ExportServiceDep) -> StreamingResponse:
    """Download an export as a zip (schema.sql, data.sql, csv/, storage/, manifest.json)."""
    chunks = await service.archive(export_id)
    headers = {"Content-Disposition": f'attachment; filename="fable-tales-export-{export_id}.zip"'}
    return StreamingResponse(chunks, media_type="application/zip", headers=headers)
