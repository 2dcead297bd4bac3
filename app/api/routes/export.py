"""Routes exporting the store for Supabase (PostgreSQL + Storage) and downloading the export."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import StreamingResponse

from app.api.deps import ExportServiceDep
from app.api.responses import errors
from app.models.export import ExportCreated, ExportList, ExportRequest, ExportSummary

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


@router.get("", response_model=ExportList)
async def list_exports(request: Request, service: ExportServiceDep) -> ExportList:
    """List the exports kept under the data folder, newest first, with their sizes."""
    summaries = [
        ExportSummary(
            **manifest.model_dump(include={"export_id", "exported_at", "comic_id", "tables"}),
            bytes=sum(file.bytes for file in manifest.files),
            download_url=str(request.app.url_path_for("download_export", export_id=str(manifest.export_id))),
        )
        for manifest in await service.kept()
    ]
    return ExportList(exports=summaries, total_bytes=sum(s.bytes for s in summaries))


@router.delete(
    "/{export_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response, responses=errors(404, 422)
)
async def delete_export(export_id: UUID, service: ExportServiceDep) -> Response:
    """Delete an export and its files (the store itself is untouched)."""
    await service.delete(export_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
