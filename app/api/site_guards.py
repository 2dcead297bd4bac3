"""ASGI middleware that keeps other web sites out: the Host check and the cross-site check.

Without them any page the parent visits could drive the service: a form's body-less cross-site
`POST /api/v1/export` needs no CORS preflight, and a page on a name that DNS-rebinds to 127.0.0.1
sends `Host: evil.example` and may then read every answer. Both are plain ASGI (no
BaseHTTPMiddleware, which buffers streams and adds latency) and answer before any route runs.

Starlette's TrustedHostMiddleware is not used: it answers in plain text (every other refusal here
is `{"detail": ...}` JSON) and the cross-site check needs the same Host parsing for this service's
own origin anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.guards import reject
from config import canonical_host

log = logging.getLogger(__name__)

# Methods that change nothing (OPTIONS is the CORS preflight, answered by CORSMiddleware).
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
# With no Origin header, a browser's Sec-Fetch-Site still says another site made the request;
# without an origin it cannot be matched against CORS_ORIGINS, so both kinds are refused.
_OTHER_SITE = frozenset({b"cross-site", b"same-site"})


def split_host_header(value: str) -> tuple[str, int | None]:
    """A Host header's (canonical host, port or None); ValueError when it is malformed."""
    if value.startswith("["):
        end = value.find("]") + 1
        host, rest = value[:end], value[end:]
    else:
        host, colon, port = value.partition(":")
        rest = colon + port
    if rest and not (rest.startswith(":") and rest[1:].isascii() and rest[1:].isdigit()):
        raise ValueError(f"malformed Host header {value!r}")
    return canonical_host(host), int(rest[1:]) if rest[1:] else None


def _host_header(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"host":
            return value.decode("latin-1")
    return None


class HostGuard:
    """Answer 400 to requests whose Host (port ignored) is not one of `allowed_hosts`.

    An entry is a canonical host (see `config.canonical_host`), `*` (any) or `*.example.com`.
    """

    def __init__(self, app: ASGIApp, allowed_hosts: Sequence[str]) -> None:
        self.app = app
        self._exact = frozenset(h for h in allowed_hosts if not h.startswith("*"))
        self._suffixes = tuple(h[1:] for h in allowed_hosts if h.startswith("*."))
        self._any = "*" in allowed_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The app serves no WebSocket route; other scope types (lifespan) carry no Host.
        if scope["type"] != "http" or self._any:
            await self.app(scope, receive, send)
            return
        header = _host_header(scope)
        if header is None:
            await reject(send, 400, "the request has no Host header")
            return
        try:
            host, _ = split_host_header(header)
        except ValueError:
            await reject(send, 400, f"malformed Host header {header[:100]!r}")
            return
        if host in self._exact or host.endswith(self._suffixes):
            await self.app(scope, receive, send)
            return
        log.warning("refused a request for host %r: not in ALLOWED_HOSTS", host[:100])
        await reject(
            send,
            400,
            f"this service does not answer to the host name {host[:100]!r}; "
            "if it should, add that name to ALLOWED_HOSTS",
        )


class CrossSiteGuard:
    """Answer 403 to changes (POST, PUT, PATCH, DELETE...) made by a page of another origin.

    A request may change things when its Origin is this service's own (scheme, host and port of the
    request) or one of `cors_origins` (`*`: any). One with no Origin passes unless Sec-Fetch-Site
    says another site sent it: curl, the CLI and SDKs send neither header.
    """

    def __init__(self, app: ASGIApp, cors_origins: Sequence[str]) -> None:
        self.app = app
        self._origins = frozenset(cors_origins)  # in Origin form (see Settings)
        self._any = "*" in self._origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _SAFE_METHODS or self._any:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        origin = headers.get(b"origin")
        if origin is None:
            site = headers.get(b"sec-fetch-site", b"").strip().lower()
            if site not in _OTHER_SITE:
                await self.app(scope, receive, send)
                return
            refused = f"a page of another site (Sec-Fetch-Site: {site.decode('latin-1')})"
        else:
            text = origin.decode("latin-1").strip().lower()
            if text in self._origins or text == _own_origin(scope):
                await self.app(scope, receive, send)
                return
            refused = f"the page at {text[:100]!r}"
        log.warning("refused %s %s from %s", scope["method"], scope["path"][:200], refused)
        await reject(
            send,
            403,
            f"{refused} may not change anything here; if that page is yours, add its origin to CORS_ORIGINS",
        )


def _own_origin(scope: Scope) -> str | None:
    """This service's origin as a browser on it writes it (`http://localhost:8000`), or None."""
    header = _host_header(scope)
    if header is None:
        return None
    try:
        host, port = split_host_header(header)
    except ValueError:
        return None
    scheme = scope.get("scheme", "http")
    shown = f":{port}" if port is not None and port != _DEFAULT_PORTS.get(scheme) else ""
    return f"{scheme}://{host}{shown}"
