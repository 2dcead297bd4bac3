"""Plain `httpx` answers as the retry policy sees them (the SDKs' own errors are mapped next to their calls)."""

from __future__ import annotations

import httpx

from app.providers.retry import RETRY_STATUSES, Retryable, retry_after_seconds


def raise_if_transient(response: httpx.Response) -> None:
    """Raise `Retryable` when `response` has a status worth another try (429, 5xx, ...), honouring Retry-After."""
    if response.status_code in RETRY_STATUSES:
        error = httpx.HTTPStatusError(f"HTTP {response.status_code}", request=response.request, response=response)
        raise Retryable(error, retry_after_seconds(response.headers))
