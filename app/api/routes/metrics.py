"""Route serving the service's metrics to Prometheus."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from app.api.deps import ServicesDep
from app.services.ops.metrics import CONTENT_TYPE

router = APIRouter(tags=["health"])

# A few lines of a real answer, for Swagger (the whole one runs to a few hundred lines).
_EXAMPLE = """\
# HELP fable_jobs Jobs in the store by status and step
# TYPE fable_jobs gauge
fable_jobs{status="completed",step="completed"} 12.0
fable_jobs{status="requires_action",step="scene_review"} 1.0
# HELP fable_provider_call_failures_total Provider calls that failed after their retries
# TYPE fable_provider_call_failures_total counter
fable_provider_call_failures_total{operation="draw_panel",provider="fal"} 2.0
# HELP fable_images_drawn_total Pictures an image provider returned (panels and character references), paid for or not
# TYPE fable_images_drawn_total counter
fable_images_drawn_total{kind="panel",provider="fal"} 74.0
"""


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    summary="Metrics for Prometheus",
    responses={200: {"description": "Prometheus text format", "content": {"text/plain": {"example": _EXAMPLE}}}},
)
async def metrics(services: ServicesDep) -> PlainTextResponse:
    """This instance's metrics in Prometheus's text format: jobs by status and step, how long jobs stay in
    each step, provider calls (latency and failures, by provider and operation), pictures drawn, and the
    process's own (CPU, memory, garbage collection). Behind `API_TOKEN` like the API: a scrape sends it as
    a bearer token."""
    counts = await services.data.job_counts()
    return PlainTextResponse(services.metrics.exposition(counts), media_type=CONTENT_TYPE)
