"""Domain exceptions to HTTP, in one place."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from app.errors import (
    Conflict,
    CorruptDocument,
    FableError,
    InvalidImage,
    InvalidRequest,
    InvalidState,
    NotFound,
)

log = logging.getLogger(__name__)

# Most specific first: the first class an exception is an instance of decides its status.
STATUS_FOR: tuple[tuple[type[FableError], int], ...] = (
    (NotFound, 404),
    (InvalidState, 409),
    (Conflict, 409),
    (CorruptDocument, 409),
    (InvalidRequest, 422),
    (InvalidImage, 422),
)


def status_for(exc: FableError) -> int:
    """The HTTP status of a domain error."""
    return next((status for cls, status in STATUS_FOR if isinstance(exc, cls)), 400)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, FableError)
    status = status_for(exc)
    if isinstance(exc, CorruptDocument):
        log.error("%s %s: %s", request.method, request.url.path, exc)
    return JSONResponse({"detail": str(exc) or exc.__doc__}, status_code=status)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # The traceback goes to the log; the client gets no internals.
    log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"detail": "internal error; the server log has the details"}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on `app`."""
    app.add_exception_handler(FableError, _domain_error)
    app.add_exception_handler(Exception, _unexpected)
