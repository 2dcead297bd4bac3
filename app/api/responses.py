"""OpenAPI documentation of the error answers a route can give."""

from __future__ import annotations

from typing import Any

from app.models.schemas import ErrorResponse

_MEANING = {
    404: "No job, comic, scene or file with this id",
    409: "The job's state does not allow this now; the message names the current step",
    413: "The request body is over the size this route accepts",
    415: "The body is not of a type this route accepts",
    422: "The request body or a parameter is invalid",
    429: "Too many of these are open at once; retry once some have ended",
    503: "The bucket holding the images cannot be reached now (IMAGE_STORE=s3); retry later",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry documenting these error codes."""
    return {code: {"model": ErrorResponse, "description": _MEANING[code]} for code in codes}
