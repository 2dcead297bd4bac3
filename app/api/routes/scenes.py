"""Routes for writing and reviewing a comic's scenes."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, status

from app.api.deps import ComicServiceDep
from app.api.responses import errors
from app.models.records import Scene
from app.models.schemas import (
    GenerateScenesRequest,
    JobStatusResponse,
    RefineScenesRequest,
    ScenesResponse,
    SceneUpdate,
)

router = APIRouter(prefix="/comics", tags=["scenes"])

SceneId = Annotated[int, Path(ge=1, le=12, description="the scene number, 1..panel_count", examples=[2])]


@router.post(
    "/scenes/generate",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobStatusResponse,
    responses=errors(422),
)
async def generate_scenes(body: GenerateScenesRequest, service: ComicServiceDep) -> JobStatusResponse:
    """Start a comic: the LLM writes `panel_count` scenes (six by default) in the background (poll the status)."""
    return JobStatusResponse.of(await service.create(body.topic, body.age_group, body.characters, body.panel_count))


@router.get("/{job_id}/scenes", response_model=ScenesResponse, responses=errors(404, 422))
async def get_scenes(job_id: UUID, service: ComicServiceDep) -> ScenesResponse:
    """The job's scenes as they stand (empty while they are first being written)."""
    job = await service.get(job_id)
    return ScenesResponse(
        job_id=job.id,
        status=job.status,
        step=job.step,
        title=job.title,
        refine_rounds=job.refine_rounds,
        scenes=job.scenes,
    )


@router.post(
    "/{job_id}/scenes/refine",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobStatusResponse,
    responses=errors(404, 409, 422),
)
async def refine_scenes(job_id: UUID, body: RefineScenesRequest, service: ComicServiceDep) -> JobStatusResponse:
    """Rewrite only the scenes named in the feedback; an empty feedback_list approves the scenes."""
    return JobStatusResponse.of(await service.refine(job_id, body.feedback_list))


@router.put("/{job_id}/scenes/{scene_id}", response_model=Scene, responses=errors(404, 409, 422))
async def edit_scene(job_id: UUID, scene_id: SceneId, body: SceneUpdate, service: ComicServiceDep) -> Scene:
    """Edit any subset of one scene's fields by hand."""
    changes = {name: getattr(body, name) for name in body.model_fields_set if getattr(body, name) is not None}
    return await service.edit_scene(job_id, scene_id, changes)
