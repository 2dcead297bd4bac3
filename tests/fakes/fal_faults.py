"""How the fake fal.ai fails: what fal says of a request that ended with an error, and an answer cut off midway.

Shaped after fal's documented request errors: a flat `detail` and a machine-readable `error_type`
(also in the `X-Fal-Error-Type` header) for a runner's failure, a list of typed errors for a
model's own validation error, and `client_cancelled` (499) for a request its client cancelled.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

CANCELLED: dict[str, Any] = {"error": "Request was cancelled", "error_type": "client_cancelled"}


def failure_of(status: int) -> dict[str, Any]:
    """The status endpoint's `error` and `error_type` of a request whose result answers `status`."""
    if 400 <= status < 500:
        return {"error": "Unprocessable Entity", "error_type": None}  # the model refused its input
    return {"error": "Internal Server Error", "error_type": "runner_server_error"}


def failure_answer(request_id: str, status: int, failure: dict[str, Any]) -> JSONResponse:
    """The result endpoint's answer for a request that ended with an error."""
    if 400 <= status < 500 and status != 499:  # a model's validation error: a list of typed errors
        detail: Any = [
            {
                "loc": ["body", "prompt"],
                "msg": "The prompt was flagged by the content checker",
                "type": "content_policy_violation",
            }
        ]
    else:
        detail = failure["error"]
    headers = {"x-fal-request-id": request_id}
    if failure.get("error_type"):
        headers["x-fal-error-type"] = failure["error_type"]
    body = {"detail": detail, "error_type": failure.get("error_type")}
    return JSONResponse(body, status_code=status, headers=headers)


class DroppedAnswer(Response):
    """An answer cut off midway: the connection closes and the client never learns the request id."""

    def __init__(self) -> None:
        super().__init__()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-length", b"400")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b'{"status": "IN_QUEUE", "requ', "more_body": True})
        # Returning with the body unfinished makes uvicorn close the connection.
