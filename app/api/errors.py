"""Domain exceptions to HTTP, in one place."""

from __future__ import annotations

import logging
import math
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from app.errors import (
    Conflict,
    CorruptDocument,
    FableError,
    InvalidImage,
    InvalidRequest,
    InvalidState,
    LimitReached,
    NotFound,
    StorageUnavailable,
    TooLarge,
    UnsafeContent,
    UnsupportedImageType,
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
    (LimitReached, 429),
    (UnsupportedImageType, 415),
    (TooLarge, 413),
    (StorageUnavailable, 503),  # the bucket's trouble, not the request's: retrying later may work
)


def status_for(exc: FableError) -> int:
    """The HTTP status of a domain error."""
    return next((status for cls, status in STATUS_FOR if isinstance(exc, cls)), 400)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, FableError)
    status = status_for(exc)
    if isinstance(exc, CorruptDocument):
        log.error("%s %s: %s", request.method, request.url.path, exc)
    body: dict[str, object] = {"detail": _encodable(str(exc) or exc.__doc__)}
    if isinstance(exc, UnsafeContent):
        body["categories"] = list(exc.categories)  # machine-readable too: which kinds of content were found
    return JSONResponse(body, status_code=status)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _encodable(value: Any) -> Any:
    """`value` as valid JSON: lone UTF-16 surrogates become U+FFFD, infinite and NaN numbers strings."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # `1e400` in a body parses as inf, which JSON cannot carry back
    if isinstance(value, list):
        return [_encodable(item) for item in value]
    if isinstance(value, dict):
        return {_encodable(key): _encodable(item) for key, item in value.items()}
    return value


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    # FastAPI's own 422, except that the echoed input may hold a lone surrogate ("\ud800" in a JSON
    # body) or an infinite number ("1e400"), which cannot be encoded: the default handler then
    # failed with a 500 (found by fuzzing).
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": _encodable(jsonable_encoder(exc.errors()))}, status_code=422)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # The traceback goes to the log; the client gets no internals.
    log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"detail": "internal error; the server log has the details"}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on `app`."""
    app.add_exception_handler(FableError, _domain_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(Exception, _unexpected)
