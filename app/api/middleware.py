"""The middleware around every route, in the order a request meets it."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app.api.guards import BearerTokenGuard, BodySizeLimit
from app.api.site_guards import CrossSiteGuard, HostGuard
from config import Settings


def install_middleware(app: FastAPI, settings: Settings) -> None:
    """Wrap `app` in its guards: Host check, cross-site check, CORS, API token, body size limit.

    Starlette runs the middleware added last first, so they are added from the innermost out. The
    Host check comes first so that a rebound name gets nothing at all; CORS comes before the token
    so that a browser's preflight (which never carries the token) is answered, and so that a 401
    carries the CORS headers its page needs to read it.
    """
    # An uploaded reference picture is a file, not a JSON body: it has a limit of its own.
    pictures = (r"/api/v1/comics/characters/[^/]+/references/[^/]+", settings.max_reference_bytes)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes, larger=(pictures,))
    if settings.api_token:
        app.add_middleware(BearerTokenGuard, token=settings.api_token)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["*"], allow_headers=["*"]
        )
    app.add_middleware(CrossSiteGuard, cors_origins=settings.cors_origins)
    app.add_middleware(HostGuard, allowed_hosts=settings.served_hosts)
