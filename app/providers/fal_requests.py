"""Finding a fal.ai request whose id never reached the job, so that a crash never pays for a picture twice.

fal.ai's queue has no idempotency key. So the job records that a panel is about to be submitted
(an `ImageIntent`, with the seed and the time) before it submits, and the request id right after.
A process killed between fal taking the request and the id being written leaves an intent with
no id. The resumed job then looks for the request before submitting again, in fal's request
listing (Platform API `GET /models/requests/by-endpoint` with `expand=payloads`): a request of the
same endpoint, sent since the intent, whose input has the same prompt and seed.

The listing shows requests once they have ended, so one not found may still be running: it is
looked for again every few seconds until the intent is `IMAGE_TIMEOUT_SECONDS` old, the time after
which the service gives up on any picture; then nothing is found and the panel is submitted anew.
A listing the key may not read (401/403/404) is logged and treated the same way.

A submission whose answer was lost in a running process (fal_submission.py) is looked for the
same way, for a shorter, learned time (FalImageModel._lost_reply_wait). A request that ended with
an error is never the one looked for: it has no picture, and the panel needs a new request.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

import httpx

from app.models.records import ImageIntent
from app.providers.http_faults import raise_if_transient
from app.providers.retry import Retryable, RetryPolicy, retrying
from config import Settings
from utils import utcnow

log = logging.getLogger(__name__)

_CLOCK_SKEW = timedelta(minutes=2)  # fal's clock against ours: look a little further back
_LOOK_AGAIN_SECONDS = 2.0
_MAX_PAGES = 20  # of 100 requests each, all sent since the intent: far more than one job submits


class FalRequestFinder:
    """Looks up fal.ai requests by their input in fal's request listing."""

    def __init__(self, settings: Settings, policy: RetryPolicy) -> None:
        self._url = settings.fal_platform_url.rstrip("/") + "/models/requests/by-endpoint"
        self._give_up_after = timedelta(seconds=settings.image_timeout_seconds)
        self._policy = policy
        self._key = settings.fal_api_key
        # Made at the first lookup (after a crash or a lost answer): an HTTPS client costs ~50 ms to make.
        self._http: httpx.AsyncClient | None = None

    async def find(
        self,
        endpoint: str,
        arguments: Mapping[str, Any],
        intent: ImageIntent,
        give_up_after: timedelta | None = None,
        exclude: Collection[str] = (),
    ) -> str | None:
        """The id of the request of `endpoint` with these arguments sent since `intent`, or None when there is none.

        It is looked for until the intent is `give_up_after` old (`IMAGE_TIMEOUT_SECONDS` by default);
        requests in `exclude`, and requests that ended with an error, are not the one looked for.
        """
        deadline = intent.at + (self._give_up_after if give_up_after is None else give_up_after)
        while True:
            try:
                found = await retrying(
                    lambda: self._search(endpoint, arguments, intent.at - _CLOCK_SKEW, exclude),
                    self._policy,
                    "fal.ai listing",
                )
            except _Unreadable as exc:
                log.warning("cannot read fal.ai's request listing (%s): submitting the picture again", exc)
                return None
            left = (deadline - utcnow()).total_seconds()
            if found is not None:
                log.info("found fal.ai request %s (seed %s) in the listing: collecting it", found, intent.seed)
                return found
            if left <= 0:
                log.info("no fal.ai request with seed %s since %s: submitting it", intent.seed, intent.at.isoformat())
                return None
            await asyncio.sleep(min(_LOOK_AGAIN_SECONDS, left))

    async def _search(
        self, endpoint: str, arguments: Mapping[str, Any], since: datetime, exclude: Collection[str]
    ) -> str | None:
        params: dict[str, str] = {
            "endpoint_id": endpoint,
            "start": since.isoformat(),
            "expand": "payloads",
            "limit": "100",
        }
        for _ in range(_MAX_PAGES):
            page = await self._page(params)
            for item in page.get("items") or ():
                if isinstance(item, dict) and _same_input(item.get("json_input"), arguments) and _succeeded(item):
                    request_id = item.get("request_id")
                    if isinstance(request_id, str) and request_id and request_id not in exclude:
                        return request_id
            if not page.get("has_more") or not page.get("next_cursor"):
                return None
            params["cursor"] = str(page["next_cursor"])
        return None

    async def _page(self, params: Mapping[str, str]) -> dict[str, Any]:
        if self._http is None:
            self._http = httpx.AsyncClient(
                headers={"Authorization": f"Key {self._key}"}, timeout=httpx.Timeout(30.0, connect=10.0)
            )
        try:
            response = await self._http.get(self._url, params=params)
        except httpx.TransportError as exc:
            raise Retryable(exc) from exc
        raise_if_transient(response)
        if response.status_code != 200:
            raise _Unreadable(f"HTTP {response.status_code}: {response.text[:200]}")
        try:
            body = response.json()
        except ValueError as exc:
            raise _Unreadable(f"not JSON: {exc}") from exc
        if not isinstance(body, dict):
            raise _Unreadable("not a listing")
        return body

    async def aclose(self) -> None:
        """Close the HTTP client, if one was made."""
        if self._http is not None:
            await self._http.aclose()


class _Unreadable(Exception):
    """The listing answered, but not with something this finder can read."""


def _same_input(json_input: object, arguments: Mapping[str, Any]) -> bool:
    # Prompt and seed identify a panel's picture: every panel has its own prompt, every redraw its own seed.
    return (
        isinstance(json_input, dict)
        and json_input.get("prompt") == arguments["prompt"]
        and json_input.get("seed") == arguments["seed"]
    )


def _succeeded(item: Mapping[str, Any]) -> bool:
    # A request that ended with an error (or was cancelled) has no picture to collect: another is needed.
    status = item.get("status_code")
    return not isinstance(status, int) or status < 400
