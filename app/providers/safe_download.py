"""Downloading a provider's picture without letting its URL reach into this machine or its network.

The service fetches whatever URL an image result names. A URL anyone could have put there (a
spoofed or compromised answer, a redirect) must not make it fetch from 127.0.0.1, the local
network or a cloud metadata address (169.254.169.254). So a picture is taken only:

- from a `data:` URL, or over https;
- from fal.ai's media hosts (`FAL_MEDIA_HOSTS`: `fal.media` and its subdomains, where fal's CDN
  serves results), every address of which must be a public one: checked when the name is
  resolved, and again on the address the connection actually reached (a name that resolves to a
  public address for the check and to a private one for the connection is caught before its body
  is read);
- or from the host fal's queue is reached at (`FAL_QUEUE_RUN_HOST`, port included), which the
  operator chose: tests point it at 127.0.0.1;
- following at most `_MAX_REDIRECTS` redirects, by hand, each hop checked the same way.

Anything else is a `ProviderError` naming the URL's host. httpx offers no hook for this
(`follow_redirects` checks nothing), hence the hand-written loop.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import ipaddress
import socket
from urllib.parse import urlsplit

import fal_client
import httpx

from app.providers.http_faults import raise_if_transient
from app.providers.retry import Retryable
from external_services import ProviderError

# fal's CDN (e.g. https://v3.fal.media/files/...): a name here matches itself and its subdomains.
FAL_MEDIA_HOSTS = ("fal.media",)
_MAX_REDIRECTS = 5
_HTTPS_PORT = 443


class UnsafeImageUrl(ProviderError):
    """An image URL (or a redirect) this service will not fetch."""


class SafeDownloader:
    """Fetches provider pictures over https from allowed hosts only, capped at `max_bytes`."""

    def __init__(self, max_bytes: int, trusted_host: str | None = None) -> None:
        self._max_bytes = max_bytes
        # The SDK's own queue address, so it is the one fal_client really uses.
        self._trusted = _host_and_port(trusted_host or fal_client.client.QUEUE_URL_FORMAT)
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(60.0, connect=10.0), follow_redirects=False)

    async def fetch(self, url: str) -> tuple[bytes, str]:
        """The bytes and content type at `url`; raises Retryable (a fault worth another try) or ProviderError."""
        if urlsplit(url).scheme.lower() == "data":
            return decode_data_url(url, self._max_bytes)
        try:
            for _ in range(_MAX_REDIRECTS + 1):
                checked_public = await self.check(url)
                async with self._http.stream("GET", url) as response:
                    if checked_public:
                        _check_peer(response, url)
                    if response.next_request is not None:
                        url = str(response.next_request.url)
                        continue
                    raise_if_transient(response)
                    response.raise_for_status()
                    return await self._body(response), response.headers.get("content-type", "application/octet-stream")
        except httpx.TransportError as exc:
            raise Retryable(exc) from exc
        except httpx.HTTPError as exc:
            raise ProviderError(f"image download failed: {exc}") from exc
        raise UnsafeImageUrl(f"image download redirected more than {_MAX_REDIRECTS} times")

    async def check(self, url: str) -> bool:
        """Raise UnsafeImageUrl unless `url` may be fetched; True when its addresses had to be public."""
        parts = httpx.URL(url)
        if parts.scheme != "https":
            raise UnsafeImageUrl(f"image URL with scheme {parts.scheme!r}: only https is fetched")
        host, port = parts.host.lower(), parts.port or _HTTPS_PORT
        if (host, port) == self._trusted:
            return False
        if port != _HTTPS_PORT or not any(host == name or host.endswith("." + name) for name in FAL_MEDIA_HOSTS):
            raise UnsafeImageUrl(f"image URL on {host!r}, not one of fal.ai's media hosts")
        for address in await _addresses(host, port):
            if not _public(address):
                raise UnsafeImageUrl(f"image host {host!r} resolves to non-public address {address}")
        return True

    async def _body(self, response: httpx.Response) -> bytes:
        chunks, size = [], 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > self._max_bytes:
                raise ProviderError(f"image download exceeds {self._max_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    async def aclose(self) -> None:
        """Close the download connections."""
        await self._http.aclose()


def decode_data_url(url: str, max_bytes: int) -> tuple[bytes, str]:
    """The bytes and content type of a base64 `data:` URL of at most `max_bytes`."""
    header, _, payload = url.partition(",")
    if not header.endswith(";base64"):
        raise ProviderError("fal.ai returned a data: URL that is not base64")
    if len(payload) * 3 // 4 > max_bytes:
        raise ProviderError(f"image exceeds {max_bytes} bytes")
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ProviderError(f"fal.ai returned an undecodable data: URL: {exc}") from exc
    return data, header[len("data:") : -len(";base64")] or "application/octet-stream"


def _host_and_port(address: str) -> tuple[str, int]:
    url = httpx.URL(address if "://" in address else f"https://{address}")
    return url.host.lower(), url.port or _HTTPS_PORT


async def _addresses(host: str, port: int) -> list[str]:
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise Retryable(exc) from exc  # a resolver hiccup, like a dropped connection
    return [str(info[4][0]) for info in infos]


def _public(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 scope id is no part of the address
    except ValueError:
        return False
    # is_global excludes private, loopback, link-local, shared (100.64/10), reserved and
    # unspecified ranges, and IPv4-mapped IPv6 addresses (which could hide any of those).
    return ip.is_global and not ip.is_multicast


def _check_peer(response: httpx.Response, url: str) -> None:
    """The address the connection reached must be public too: DNS may answer differently the second time."""
    stream = response.extensions.get("network_stream")
    peer = stream.get_extra_info("server_addr") if stream is not None else None
    if peer is None:
        return  # nothing to check against (a transport without sockets): the resolved addresses were checked
    if not _public(str(peer[0])):
        raise UnsafeImageUrl(f"image host {httpx.URL(url).host!r} connected to non-public address {peer[0]}")
