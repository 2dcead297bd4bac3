"""fal.ai's kinds of failure, told apart: each calls for a different answer.

- A fault on the way (a dropped connection, 429 or 5xx on a poll or a download): the same call
  again (`Retryable`, see retry.py).
- A request fal finished with an error (its status COMPLETED with `error` and `error_type`, its
  result endpoint answering that error, e.g. 500 `runner_server_error`): asking for the result
  again only gets the same error. The panel is submitted again as a new request with the same
  seed (`FailedGeneration`); fal has already retried infrastructure faults inside its queue.
- A request fal refused: a submission answered 4xx (422: invalid input; 401/403: the key), or a
  request that finished with a 4xx (the model rejected its input). Trying again changes nothing
  (`FalRefused`, with fal's own message).
- A submission whose answer was lost after it was sent (`LostReply`, see fal_submission.py): fal
  may have queued it, so it is looked up, never blindly sent again.
"""

from __future__ import annotations

import fal_client
import httpx

from app.providers.retry import RETRY_STATUSES, Retryable, retry_after_seconds
from external_services import ProviderError


class FailedGeneration(ProviderError):
    """fal ran the request and it ended with an error: a new request may well succeed."""

    def __init__(self, request_id: str, message: str) -> None:
        super().__init__(f"fal.ai request {request_id} failed: {message}")
        self.request_id = request_id


class FalRefused(ProviderError):
    """fal refused the request for good (its input, the key): the same request again would be refused again."""


class LostReply(Exception):
    """A submission was sent but its answer never arrived intact: fal may or may not have queued it."""

    def __init__(self, cause: BaseException | str) -> None:
        super().__init__(str(cause))
        self.cause = cause


def fal_message(detail: object, fallback: str = "") -> str:
    """fal's error `detail` as one line: a string, or a model's list of typed errors (`loc`, `msg`)."""
    if isinstance(detail, str) and detail.strip():
        return detail.strip()
    if isinstance(detail, list) and detail:
        parts = []
        for item in detail:
            if isinstance(item, dict) and "msg" in item:
                where = ".".join(str(p) for p in item.get("loc") or () if p != "body")
                parts.append(f"{where}: {item['msg']}" if where else str(item["msg"]))
            else:
                parts.append(str(item))
        return "; ".join(parts)
    return fallback.strip()[:300] or "no details"


async def poll_failure(handle: fal_client.AsyncRequestHandle, exc: fal_client.client.FalClientHTTPError) -> Exception:
    """What a failed status poll or result fetch of `handle` means (`exc` is its answer), to be raised.

    fal_client fetches the result once a poll finds the request COMPLETED, so an error answer may
    be the stored outcome of a failed run or a passing fault; the request's status tells which.
    """
    try:
        status = await handle.status()
    except (fal_client.client.FalClientError, httpx.HTTPError):
        status = None  # the queue is not answering: a passing fault, whichever it was
    if isinstance(status, fal_client.Completed) and status.error is not None:
        message = fal_message(response_detail(exc.response), status.error)
        kind = status.error_type or exc.error_type
        if kind:
            message = f"{message} ({kind})"
        if 400 <= exc.status_code < 499 and exc.status_code not in RETRY_STATUSES:  # 499: cancelled
            return FalRefused(f"fal.ai refused to draw this picture (HTTP {exc.status_code}): {message}")
        return FailedGeneration(handle.request_id, message)
    if exc.status_code in RETRY_STATUSES:
        return Retryable(exc, retry_after_seconds(exc.response_headers))
    return exc


def response_detail(response: httpx.Response) -> object:
    """The `detail` of a fal error answer (a string or a list of typed errors), or None."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("detail") if isinstance(body, dict) else None
