"""The fal.ai FLUX image provider: the queue API through `fal_client`, then a capped download.

fal.ai's result URLs expire, so the bytes are downloaded here and the service stores them; the
URL is kept only as a note of where the image came from.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar
from urllib.parse import urlsplit

import fal_client
import httpx

from app.providers.fal_polling import FalPoller
from app.providers.fal_references import ReferenceUris
from app.providers.fal_requests import FalRequestFinder
from app.providers.http_faults import raise_if_transient
from app.providers.retry import RETRY_STATUSES, Retryable, RetryPolicy, retry_after_seconds, retrying
from config import Settings
from external_services import DrawnImage, ImageRequest, ProviderError

log = logging.getLogger(__name__)

T = TypeVar("T")


class FalImageModel:
    """Draws panels with a fal.ai text-to-image endpoint (FLUX by default), and panels with cast
    members in them with a reference-conditioned endpoint (FLUX Kontext multi by default)."""

    name = "fal"

    def __init__(self, settings: Settings) -> None:
        if not settings.fal_api_key:
            raise ProviderError("IMAGE_PROVIDER=fal needs FAL_KEY")
        self.model = settings.fal_model
        self.reference_model = settings.fal_reference_model  # panels with cast members in them
        self._uris = ReferenceUris()
        self._max_bytes = settings.max_image_bytes
        self._fal = fal_client.AsyncClient(key=settings.fal_api_key, default_timeout=settings.image_timeout_seconds)
        self._poller = FalPoller(settings)  # status polls: fewer, on kept connections (see fal_polling.py)
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(60.0, connect=10.0), follow_redirects=True)
        self._policy = RetryPolicy(
            attempts=settings.retry_attempts,
            base_delay=settings.retry_base_delay_seconds,
            total_seconds=settings.retry_total_seconds,
        )
        self._finder = FalRequestFinder(settings, self._policy)  # after a crash: see fal_requests.py

    async def draw(self, request: ImageRequest) -> DrawnImage:
        """Draw one panel; an image the safety checker flags is drawn once more with the next seed."""
        redrawing = request.unconfirmed is not None and request.unconfirmed.seed == request.seed + 1
        if not redrawing:  # else the first picture was flagged before the process stopped
            try:
                return await self._draw_once(request)
            except _FlaggedImage as exc:
                log.warning("%s; drawing it again with seed %d", exc, request.seed + 1)
        again = dataclasses.replace(request, seed=request.seed + 1, resume_id=None)
        try:
            return await self._draw_once(again)
        except _FlaggedImage:
            raise ProviderError(
                f"fal.ai's safety checker flagged the image as not safe for work twice "
                f"(seeds {request.seed} and {again.seed}); try another prompt"
            ) from None

    async def _draw_once(self, request: ImageRequest) -> DrawnImage:
        """Submit the prompt to the queue, wait for the result and download the image."""
        endpoint, arguments = await self._route(request)
        try:
            resume_id = request.resume_id
            unconfirmed = request.unconfirmed
            if resume_id is None and unconfirmed is not None and unconfirmed.seed == request.seed:
                resume_id = await self._finder.find(endpoint, arguments, unconfirmed)
                if request.on_submitted is not None:
                    await request.on_submitted(resume_id)  # found: recorded; not found: the intent is void
            result = await self._resume(endpoint, resume_id) if resume_id else None
            if result is None:
                result = await self._submit_and_wait(request, endpoint, arguments)
        except (fal_client.client.FalClientError, httpx.HTTPError) as exc:
            raise ProviderError(f"fal.ai request failed: {exc}") from exc
        images = result.get("images") if isinstance(result, dict) else None
        if not images or not isinstance(images[0], dict) or not isinstance(images[0].get("url"), str):
            raise ProviderError("fal.ai returned no image")
        flags = result.get("has_nsfw_concepts")
        if isinstance(flags, list) and flags and flags[0] is True:  # one flag per image; we ask for one
            raise _FlaggedImage(f"fal.ai's safety checker flagged the image drawn with seed {request.seed}")
        url: str = images[0]["url"]
        data, content_type = await retrying(
            lambda: self._slotted(lambda: self._download(url)), self._policy, "image download"
        )
        seed = result.get("seed")
        return DrawnImage(
            data=data,
            content_type=content_type,
            seed=seed if isinstance(seed, int) else request.seed,
            source_url=None if url.startswith("data:") else url,
        )

    async def _route(self, request: ImageRequest) -> tuple[str, dict]:
        """The endpoint and its input: the reference endpoint when the panel carries references."""
        if request.references:
            return self.reference_model, await self._uris.arguments(request)
        arguments = {
            "prompt": request.prompt,
            "image_size": {"width": request.width, "height": request.height},
            "seed": request.seed,
            "num_images": 1,
            "enable_safety_checker": True,
            "output_format": "png",
        }
        return self.model, arguments

    async def _submit_and_wait(self, request: ImageRequest, endpoint: str, arguments: dict) -> dict:
        """Submit a new request (its intent recorded first, its id right after) and wait for its result."""
        if request.on_submitting is not None:
            await request.on_submitting(request.seed)
        try:
            handle = await retrying(
                lambda: self._slotted(lambda: _transient(self._fal.submit(endpoint, arguments=arguments))),
                self._policy,
                "fal.ai submit",
            )
        except (ProviderError, fal_client.client.FalClientHTTPError) as exc:
            refused = isinstance(exc, fal_client.client.FalClientHTTPError) or isinstance(
                exc.__cause__, fal_client.client.FalClientHTTPError
            )
            if refused and request.on_submitted is not None:
                await request.on_submitted(None)  # fal answered with an error: it queued nothing
            raise  # a connection lost mid-submit keeps the intent: the request may have been taken
        if request.on_submitted is not None:
            await request.on_submitted(handle.request_id)
        return await self._result(handle, submitted=time.monotonic())

    async def _result(self, handle: fal_client.AsyncRequestHandle, submitted: float | None = None) -> dict:
        handle = self._poller.adopt(handle)
        try:
            # A failed poll polls the same request again: a retry never pays for a second image.
            return await retrying(
                lambda: _transient(self._poller.wait(handle, submitted)), self._policy, "fal.ai result"
            )
        except asyncio.CancelledError:
            # Cancelled or timed out here: stop paying for a picture nobody will store.
            await asyncio.shield(_cancel_quietly(handle))
            raise

    async def _slotted(self, call: Callable[[], Awaitable[T]]) -> T:
        """`call()`, in one of the poller's slots: few requests to fal.ai at once (see fal_polling.py)."""
        async with self._poller.in_flight:
            return await call()

    async def _resume(self, endpoint: str, request_id: str) -> dict | None:
        """The result of a request an earlier attempt submitted, or None when it is gone or was cancelled."""
        handle = await self._fal.get_handle(endpoint, request_id)
        try:
            return await self._result(handle)
        except fal_client.client.FalClientHTTPError as exc:
            log.info("fal.ai request %s cannot be resumed (%s); submitting again", request_id, exc)
            return None

    async def _download(self, url: str) -> tuple[bytes, str]:
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return _decode_data_url(url, self._max_bytes)
        if scheme not in ("http", "https"):
            raise ProviderError(f"fal.ai returned an image URL with scheme {scheme!r}")
        try:
            async with self._http.stream("GET", url) as response:
                raise_if_transient(response)
                response.raise_for_status()
                chunks, size = [], 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > self._max_bytes:
                        raise ProviderError(f"image download exceeds {self._max_bytes} bytes")
                    chunks.append(chunk)
                return b"".join(chunks), response.headers.get("content-type", "application/octet-stream")
        except httpx.TransportError as exc:
            raise Retryable(exc) from exc
        except httpx.HTTPError as exc:
            raise ProviderError(f"image download failed: {exc}") from exc

    async def aclose(self) -> None:
        """Close the download and polling clients (fal_client's own client has no close method)."""
        await self._http.aclose()
        await self._poller.aclose()
        await self._finder.aclose()


class _FlaggedImage(ProviderError):
    """fal.ai's safety checker found NSFW concepts in the image (it then sends a black picture)."""


async def _transient(call: Awaitable[T]) -> T:
    """Await a fal_client call, turning its transient failures into `Retryable`."""
    try:
        return await call
    except fal_client.client.FalClientHTTPError as exc:
        if exc.status_code in RETRY_STATUSES:
            raise Retryable(exc, retry_after_seconds(exc.response_headers)) from exc
        raise
    except httpx.TransportError as exc:
        raise Retryable(exc) from exc


async def _cancel_quietly(handle: fal_client.AsyncRequestHandle) -> None:
    try:
        async with asyncio.timeout(5):
            await handle.cancel()
    except (TimeoutError, fal_client.client.FalClientError, httpx.HTTPError) as exc:
        log.warning("could not cancel fal.ai request %s: %s", handle.request_id, exc)


def _decode_data_url(url: str, max_bytes: int) -> tuple[bytes, str]:
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
