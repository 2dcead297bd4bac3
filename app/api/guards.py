"""ASGI middleware that guards every route: an optional bearer token and a request size limit.

They are plain ASGI (not FastAPI dependencies) so that they cover everything the app serves,
including media files, and so that an oversized body is refused before it is read into memory.
"""

from __future__ import annotations

import hmac
import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Liveness and the API docs stay open: they expose no data and a browser cannot add a header.
_OPEN_PATHS = frozenset({"/health", "/api/v1/health", "/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"})
_OPEN_PREFIXES = ("/static/",)


async def _reject(send: Send, status: int, detail: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            + (headers or []),
        }
    )
    await send({"type": "http.response.body", "body": body})


class BearerTokenGuard:
    """Refuse requests without `Authorization: Bearer <token>` (when a token is configured)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self._expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path in _OPEN_PATHS or path.startswith(_OPEN_PREFIXES):
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"authorization", b"")
        if not hmac.compare_digest(given, self._expected):
            await _reject(send, 401, "missing or wrong API token", [(b"www-authenticate", b"Bearer")])
            return
        await self.app(scope, receive, send)


class BodySizeLimit:
    """Answer 413 to request bodies over `max_bytes`, declared or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self._max = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self._max):
            await _reject(send, 413, f"request body over {self._max} bytes")
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self._max:
                    # An HTTPException passes through FastAPI's body parsing unchanged and becomes a 413.
                    raise HTTPException(413, f"request body over {self._max} bytes")
            return message

        await self.app(scope, counting_receive, send)
