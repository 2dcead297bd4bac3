"""Routes for drawing a comic and fetching, retrying or deleting it."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response, status

from app.api.deps import ComicServiceDep
from app.api.responses import errors
from app.models.schemas import ComicResult, GenerateComicRequest, JobStatusResponse, StyleOut, StylesResponse
from master_prompts import ART_STYLES, DEFAULT_STYLE

router = APIRouter(prefix="/comics", tags=["comics"])


@router.get("/styles", response_model=StylesResponse)
async def list_styles() -> StylesResponse:
    """The art style presets a comic can be drawn in."""
    styles = [StyleOut(name=s.name, label=s.label, prompt=s.prompt) for s in ART_STYLES]
    return StylesResponse(styles=styles, default=DEFAULT_STYLE)


@router.post(
    "/{job_id}/generate",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobStatusResponse,
    responses=errors(404, 409, 422),
)
async def generate_comic(
    job_id: UUID, service: ComicServiceDep, body: GenerateComicRequest | None = None
) -> JobStatusResponse:
    """Draw one panel per scene in the background (poll the status, then fetch the result)."""
    return JobStatusResponse.of(await service.generate(job_id, body.style if body else None))


@router.get("/{job_id}/status", response_model=JobStatusResponse, responses=errors(404, 422))
async def get_status(job_id: UUID, service: ComicServiceDep) -> JobStatusResponse:
    """Status, step, progress (0-100), error and the actions allowed next."""
    return JobStatusResponse.of(await service.status(job_id))


@router.get("/{job_id}/result", response_model=ComicResult, responses=errors(404, 409, 422))
async def get_result(job_id: UUID, service: ComicServiceDep) -> ComicResult:
    """The finished comic with a URL for every panel image (409 until completed)."""
    return ComicResult.of(await service.result(job_id))


@router.post(
    "/{job_id}/retry",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobStatusResponse,
    responses=errors(404, 409, 422),
)
async def retry_job(job_id: UUID, service: ComicServiceDep) -> JobStatusResponse:
    """Resume a failed or interrupted job from the step it stopped in, keeping finished panels."""
    return JobStatusResponse.of(await service.retry(job_id))


@router.post("/{job_id}/cancel", response_model=JobStatusResponse, responses=errors(404, 409, 422))
async def cancel_job(job_id: UUID, service: ComicServiceDep) -> JobStatusResponse:
    """Stop a running step, including in-flight image requests; the job can be retried later."""
    return JobStatusResponse.of(await service.cancel(job_id))


@router.delete(
    "/{comic_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response, responses=errors(404, 422)
)
async def delete_comic(comic_id: UUID, service: ComicServiceDep) -> Response:
    """Delete a finished comic, its images and its job."""
    await service.delete(comic_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
