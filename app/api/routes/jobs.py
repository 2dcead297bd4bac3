"""Route listing jobs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import ComicServiceDep
from app.api.responses import errors
from app.models.schemas import JobList, JobStatusResponse
from app.models.states import JobStatus

router = APIRouter(tags=["jobs"])


@router.get("/jobs", response_model=JobList, responses=errors(422))
async def list_jobs(
    service: ComicServiceDep,
    status: Annotated[JobStatus | None, Query(description="only jobs with this status")] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="page size")] = 20,
    offset: Annotated[int, Query(ge=0, description="jobs to skip")] = 0,
) -> JobList:
    """Jobs, newest first, a page at a time."""
    total, jobs = await service.data.list_jobs(status, limit, offset)
    return JobList(jobs=[JobStatusResponse.of(job) for job in jobs], total=total, limit=limit, offset=offset)
