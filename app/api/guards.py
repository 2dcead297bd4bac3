"""ASGI middleware that guards every route: an optional bearer token and a request size limit.

They are plain ASGI (not FastAPI dependencies) so that they cover everything the app serves,
including media files, and so that an oversized body is refused before it is read into memory.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from urllib.parse import parse_qsl, quote, urlencode

from starlette.exceptions import HTTPException
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Liveness and the API docs stay open: they expose no data and a browser cannot add a header.
_OPEN_PATHS = frozenset({"/health", "/api/v1/health", "/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"})
_OPEN_PREFIXES = ("/static/",)
_COOKIE = "fable_token"


async def reject(send: Send, status: int, detail: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
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
    """Refuse requests without `Authorization: Bearer <token>` (when a token is configured).

    A browser cannot add that header to a page it opens or to the pictures in it, so reading
    (GET and HEAD) also accepts the token as a cookie. Opening any such URL once with
    `?token=<token>` sets the cookie (HttpOnly, SameSite=Strict: never sent by another site) and
    redirects to the same URL without the token. Changes always need the header.
    """

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self._token = token.encode()
        self._expected = b"Bearer " + self._token
        # The cookie holds a digest, not the token: always a valid cookie value, and the token itself
        # never sits in the browser.
        self._cookie = hashlib.sha256(b"fable-tales cookie\0" + self._token).hexdigest()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path in _OPEN_PATHS or path.startswith(_OPEN_PREFIXES):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        reading = scope["method"] in ("GET", "HEAD")
        if hmac.compare_digest(headers.get(b"authorization", b""), self._expected) or (
            reading and self._cookie_matches(headers.get(b"cookie", b""))
        ):
            await self.app(scope, receive, send)
            return
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        if reading and self._matches(dict(query).get("token")):
            await _sign_in(send, path, [(k, v) for k, v in query if k != "token"], self._cookie)
            return
        await reject(send, 401, "missing or wrong API token", [(b"www-authenticate", b"Bearer")])

    def _matches(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode("utf-8", "surrogateescape"), self._token)

    def _cookie_matches(self, header: bytes) -> bool:
        given = cookie_parser(header.decode("latin-1")).get(_COOKIE)
        return given is not None and hmac.compare_digest(given.encode("latin-1", "replace"), self._cookie.encode())


async def _sign_in(send: Send, path: str, query: list[tuple[str, str]], cookie_value: str) -> None:
    """Redirect to the URL without its token, setting the cookie that stands for it from now on."""
    location = quote(path) + (f"?{urlencode(query)}" if query else "")
    cookie = f"{_COOKIE}={cookie_value}; Path=/; HttpOnly; SameSite=Strict"
    await send(
        {
            "type": "http.response.start",
            "status": 303,
            "headers": [
                (b"location", location.encode("latin-1")),
                (b"set-cookie", cookie.encode("latin-1")),
                (b"cache-control", b"no-store"),
                (b"content-length", b"0"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b""})


class BodySizeLimit:
    """Answer 413 to request bodies over `max_bytes`, declared or streamed.

    `larger` gives routes that take a file their own limit: (path pattern, bytes).
    """

    def __init__(self, app: ASGIApp, max_bytes: int, larger: tuple[tuple[str, int], ...] = ()) -> None:
        self.app = app
        self._default = max_bytes
        self._larger = [(re.compile(pattern), limit) for pattern, limit in larger]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        limit = next((limit for pattern, limit in self._larger if pattern.fullmatch(path)), self._default)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await reject(send, 413, f"request body over {limit} bytes")
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # An HTTPException passes through FastAPI's body parsing unchanged and becomes a 413.
                    raise HTTPException(413, f"request body over {limit} bytes")
            return message

        await self.app(scope, counting_receive, send)
