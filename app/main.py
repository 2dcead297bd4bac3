"""The FastAPI application: `create_app()` wires settings, services and routers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from app import __version__
from app.api.errors import install_error_handlers
from app.api.middleware import install_middleware
from app.api.routes import (
    characters,
    comics,
    docs,
    events,
    export,
    health,
    jobs,
    media,
    metrics,
    panels,
    reader,
    scenes,
    storage,
)
from app.services.container import Services
from config import Settings, get_settings

API_PREFIX = "/api/v1"
STATIC_DIR = Path(__file__).resolve().parent / "static"

DESCRIPTION = """
Turn a parent's worry into a six-panel comic that teaches a child.

1. `POST /api/v1/comics/scenes/generate` with a topic → a job; the scenes are written in the background.
2. Poll `GET /api/v1/comics/{job_id}/status` until `status` is `requires_action`.
3. Review `GET .../scenes`; refine with feedback, or approve with an empty `feedback_list`.
4. Pick characters: `POST .../characters/select`.
5. `POST .../generate`, poll the status, then `GET .../result`.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new application; `settings` defaults to the environment's."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = await Services.start(settings)
        app.state.services = services
        logging.getLogger("fable").info(
            "serving with text=%s image=%s data=%s", services.text.name, services.images.name, settings.data_dir
        )
        try:
            yield
        finally:
            await services.aclose()

    # The docs pages are served by app/api/routes/docs.py from app/static/, not from a CDN.
    app = FastAPI(
        title="Fable Tales",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    install_error_handlers(app)
    install_middleware(app, settings)

    api = APIRouter(prefix=API_PREFIX)
    for module in (scenes, characters, comics, panels, events, jobs, storage, export, health):
        api.include_router(module.router)
    # /health first: FastAPI builds an included router's routes on the first request that looks
    # through it, so the readiness probe answers without waiting for the whole API's (~0.2 s).
    app.include_router(health.router, include_in_schema=False)
    app.include_router(api)
    app.include_router(metrics.router)  # at the root, where Prometheus looks by default
    app.include_router(media.router)
    app.include_router(reader.router)
    app.include_router(docs.router)
    app.mount(docs.STATIC, StaticFiles(directory=STATIC_DIR), name="static")
    return app
