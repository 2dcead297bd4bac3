"""Retries for provider calls, in one place: exponential backoff with jitter, bounded in count and time.

A provider wraps each network call and raises `Retryable` for faults worth another try (429, 5xx,
dropped connections); everything else fails at once. Like arq's `Retry`, the retry is expressed as
an exception, so the policy here never needs to know any SDK's error types.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from external_services import ProviderError

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


class Retryable(Exception):
    """A transient provider fault: try again, after `retry_after` seconds when the server said so."""

    def __init__(self, cause: BaseException, retry_after: float | None = None) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.retry_after = retry_after


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: at most `attempts` calls within `total_seconds`."""

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 10.0
    total_seconds: float = 60.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before call number `attempt + 1`."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay)
        # Full jitter around the exponential step keeps many panels from retrying in lockstep.
        return min(self.max_delay, self.base_delay * 2 ** (attempt - 1)) * random.uniform(0.5, 1.5)


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """The server's `Retry-After` (seconds form) or `retry-after-ms`, if it sent one."""
    if not headers:
        return None
    lowered = {key.lower(): value for key, value in headers.items()}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            return float(lowered[name]) * scale
        except (KeyError, ValueError):
            continue
    return None


async def retrying(operation: Callable[[], Awaitable[T]], policy: RetryPolicy, what: str) -> T:
    """Run `operation`, retrying on `Retryable` as the policy allows; then a ProviderError names the cause."""
    started = time.monotonic()
    attempt = 0
    while True:
        attempt += 1
        try:
            return await operation()
        except Retryable as exc:
            delay = policy.delay(attempt, exc.retry_after)
            spent = time.monotonic() - started
            if attempt >= policy.attempts or spent + delay > policy.total_seconds:
                raise ProviderError(f"{what} failed after {attempt} attempt(s): {exc.cause}") from exc.cause
            log.warning("%s: %s; retry %d in %.2f s", what, exc.cause, attempt, delay)
            await asyncio.sleep(delay)
