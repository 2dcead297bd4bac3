"""Route streaming a job's progress as Server-Sent Events."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from app.api.deps import ServicesDep
from app.api.responses import errors
from app.models.schemas import JobStatusResponse

router = APIRouter(prefix="/comics", tags=["comics"])


class _EventStream(StreamingResponse):
    """A stream that runs `release` however it ends: done, dropped, or never started (client gone first).

    The stream's own `finally` does not cover the last case, since a generator that never ran has
    none to run; without this, a place among the capped watchers could be kept for ever.
    """

    def __init__(self, content: AsyncIterator[str], release: Callable[[], None]) -> None:
        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        super().__init__(content, media_type="text/event-stream", headers=headers)
        self._release = release

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._release()


@router.get(
    "/{job_id}/events",
    response_class=StreamingResponse,
    responses={
        **errors(404, 422, 429),
        200: {"content": {"text/event-stream": {}}, "description": "status events"},
    },
)
async def job_events(job_id: UUID, services: ServicesDep) -> StreamingResponse:
    """Live status as Server-Sent Events (one per change), ending when the job needs action or stops.

    Streams open at once are capped per job and in all (`MAX_EVENT_STREAMS_PER_JOB`,
    `MAX_EVENT_STREAMS`); one more answers 429.
    """
    await services.comics.get(job_id)  # a 404 now, not a broken stream later
    watch = services.events.watch(job_id)  # a 429 now, likewise

    async def stream() -> AsyncIterator[str]:
        number = 0
        async for job in watch.updates(services.comics.get):
            if job is None:
                yield ": keep-alive\n\n"
                continue
            number += 1
            yield f"id: {number}\nevent: status\ndata: {JobStatusResponse.of(job).model_dump_json()}\n\n"

    return _EventStream(stream(), watch.close)
