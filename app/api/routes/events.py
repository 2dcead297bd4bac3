"""Route streaming a job's progress as Server-Sent Events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from app.api.deps import ServicesDep
from app.api.responses import errors
from app.models.schemas import JobStatusResponse

router = APIRouter(prefix="/comics", tags=["comics"])


@router.get(
    "/{job_id}/events",
    response_class=StreamingResponse,
    responses={**errors(404, 422), 200: {"content": {"text/event-stream": {}}, "description": "status events"}},
)
async def job_events(job_id: UUID, services: ServicesDep) -> StreamingResponse:
    """Live status as Server-Sent Events (one per change), ending when the job needs action or stops."""
    await services.comics.get(job_id)  # a 404 now, not a broken stream later

    async def stream() -> AsyncIterator[str]:
        number = 0
        async for job in services.events.watch(job_id, services.comics.get):
            if job is None:
                yield ": keep-alive\n\n"
                continue
            number += 1
            yield f"id: {number}\nevent: status\ndata: {JobStatusResponse.of(job).model_dump_json()}\n\n"

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)
