"""Sending one submission to fal.ai's queue, and sorting its answer by what fal may have done with it.

fal_client's own `submit` sends the request again whenever the connection drops, up to ten times
(`_async_maybe_retry_request`), though fal may have queued it before the connection dropped: each
resend can be another paid picture, and fal's queue has no idempotency key. It has no switch for
that, so the submission is sent here, once per call, through the poller's client (fal_client's
transport with its backup domain, the same key and user agent), to the URL fal_client uses, and
the answer becomes a fal_client `AsyncRequestHandle` as `submit` returns, or one of:

- `Retryable`: not sent, or not taken (connection refused, 408/409/425/429): send it again;
- `FalRefused`: fal refused it (any other 4xx, e.g. 422 for invalid input), with fal's message;
- `LostReply`: sent, answer lost (a connection dropped or timed out after sending, a 5xx, an
  unreadable 2xx): fal may have queued it; the caller looks it up (fal_requests.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import fal_client
import httpx

from app.providers.fal_failures import FalRefused, LostReply, fal_message, response_detail
from app.providers.retry import Retryable, retry_after_seconds

# Statuses that say the request was not queued, so sending it again cannot pay twice.
_NOT_TAKEN = frozenset({408, 409, 425, 429})


async def submit(
    client: httpx.AsyncClient, endpoint: str, arguments: Mapping[str, Any]
) -> fal_client.AsyncRequestHandle:
    """Queue `arguments` on fal.ai's `endpoint` with one POST; raises Retryable, FalRefused or LostReply."""
    try:
        response = await client.post(fal_client.client.QUEUE_URL_FORMAT + endpoint, json=dict(arguments))
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        raise Retryable(exc) from exc  # no connection: nothing was sent
    except httpx.TransportError as exc:
        raise LostReply(exc) from exc
    status = response.status_code
    if status in _NOT_TAKEN:
        raise Retryable(_status_error(response), retry_after_seconds(response.headers))
    if status >= 500:
        raise LostReply(f"HTTP {status}: {fal_message(response_detail(response), response.text)}")
    if status >= 300:
        message = fal_message(response_detail(response), response.text)
        raise FalRefused(f"fal.ai refused the request (HTTP {status}): {message}")
    try:
        body = response.json()
        return fal_client.AsyncRequestHandle(
            request_id=body["request_id"],
            response_url=body["response_url"],
            status_url=body["status_url"],
            cancel_url=body["cancel_url"],
            client=client,
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise LostReply(f"unreadable answer to a submission (HTTP {status}): {exc}") from exc


def _status_error(response: httpx.Response) -> httpx.HTTPStatusError:
    return httpx.HTTPStatusError(f"HTTP {response.status_code}", request=response.request, response=response)
