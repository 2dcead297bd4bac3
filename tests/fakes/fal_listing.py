"""fal.ai's request listing (Platform API `GET /v1/models/requests/by-endpoint`), for the fake fal server.

Shaped after fal's documentation: requests of one endpoint, newest end first, filtered by a start
time and paginated by an opaque cursor; `expand=payloads` adds each request's `json_input` and
`json_output`. Like fal's (whose status filter knows only success, error and user_error), it lists
requests once they have ended: one still queued or running is not there yet.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.datastructures import QueryParams

_MAX_LIMIT = 100


@dataclass(frozen=True)
class Listed:
    """What the listing knows of one request."""

    request_id: str
    endpoint_id: str
    sent_at: float  # wall-clock seconds
    ended_at: float
    status_code: int  # 200; 499 cancelled; another when it ended with an error
    json_input: dict[str, Any]
    json_output: Callable[[], dict[str, Any]]


class BadQuery(ValueError):
    """A query parameter fal would answer 422 for."""


def list_requests(requests: Iterable[Listed], query: QueryParams, now: float) -> dict[str, Any]:
    """The body fal answers for `query`; raises BadQuery."""
    endpoints = {e for value in query.getlist("endpoint_id") for e in value.split(",") if e}
    if not endpoints:
        raise BadQuery("endpoint_id is required")
    start = _instant(query.get("start")) if query.get("start") else now - 24 * 3600
    limit = _integer(query.get("limit", "50"), "limit")
    if not 1 <= limit <= _MAX_LIMIT:
        raise BadQuery(f"limit must be between 1 and {_MAX_LIMIT}")
    page = _page(query["cursor"]) if query.get("cursor") else 0
    with_payloads = "payloads" in {e for value in query.getlist("expand") for e in value.split(",")}
    matching = sorted(
        (r for r in requests if r.endpoint_id in endpoints and r.ended_at <= now and r.sent_at >= start),
        key=lambda r: r.ended_at,
        reverse=True,
    )
    chunk = matching[page * limit : (page + 1) * limit]
    has_more = len(matching) > (page + 1) * limit
    return {
        "items": [_item(r, with_payloads) for r in chunk],
        "next_cursor": base64.b64encode(str(page + 1).encode()).decode() if has_more else None,
        "has_more": has_more,
    }


def _item(request: Listed, with_payloads: bool) -> dict[str, Any]:
    item: dict[str, Any] = {
        "request_id": request.request_id,
        "endpoint_id": request.endpoint_id,
        "sent_at": _iso(request.sent_at),
        "started_at": _iso(request.sent_at),
        "ended_at": _iso(request.ended_at),
        "status_code": request.status_code,
        "duration": round(request.ended_at - request.sent_at, 3),
    }
    if with_payloads:
        item["json_input"] = request.json_input
        item["json_output"] = request.json_output() if request.status_code == 200 else None
    return item


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def _instant(text: str) -> float:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadQuery(f"start is not an ISO 8601 date: {text!r}") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _page(cursor: str) -> int:
    try:
        return int(base64.b64decode(cursor, validate=True).decode())
    except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
        raise BadQuery("cursor is not one this listing gave") from None


def _integer(text: str, name: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise BadQuery(f"{name} is not a number") from None
