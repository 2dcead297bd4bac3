"""The fal.ai FLUX image provider: the queue API through `fal_client`, then a capped download.

fal.ai's result URLs expire, so the bytes are downloaded here and the service stores them; the
URL is kept only as a note of where the image came from. Which failure gets which answer (the same
call again, a new request, a lookup, or an error) is in fal_failures.py and fal_submission.py.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

import fal_client
import httpx

from app.models.records import ImageIntent
from app.providers.fal_failures import FailedGeneration, LostReply, poll_failure
from app.providers.fal_polling import FalPoller
from app.providers.fal_references import ReferenceUris
from app.providers.fal_requests import FalRequestFinder
from app.providers.fal_submission import submit
from app.providers.retry import Retryable, RetryPolicy, retrying
from app.providers.safe_download import SafeDownloader
from config import Settings
from external_services import DrawnImage, ImageRequest, ProviderError

log = logging.getLogger(__name__)

T = TypeVar("T")

# A request whose submission answer was lost is looked for this many times the slowest recent
# image time (at least this many seconds) before the panel is sent again: see _lost_reply_wait.
_LOST_REPLY_FACTOR = 5
_LOST_REPLY_MIN_SECONDS = 15.0


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
        self._fal = fal_client.AsyncClient(key=settings.fal_api_key, default_timeout=settings.image_timeout_seconds)
        self._poller = FalPoller(settings)  # status polls: fewer, on kept connections (see fal_polling.py)
        self._downloads = SafeDownloader(settings.max_image_bytes)  # fal's media hosts only: see safe_download.py
        self._timeout = settings.image_timeout_seconds
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
        """Get a finished generation of the prompt from the queue and download the image."""
        endpoint, arguments = await self._route(request)
        try:
            result = await self._generation(request, endpoint, arguments)
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
            lambda: self._slotted(lambda: self._downloads.fetch(url)), self._policy, "image download"
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

    async def _generation(self, request: ImageRequest, endpoint: str, arguments: dict) -> dict:
        """A successful result of `endpoint`: an earlier attempt's request if it can be collected, else a new one's.

        A request fal finished with an error is submitted again as a new request (same seed), up
        to `RETRY_ATTEMPTS` requests in all: asking again for a failed result gets the same error.
        """
        failed: list[str] = []
        try:
            result = await self._earlier_result(request, endpoint, arguments)
        except FailedGeneration as exc:
            log.warning("%s; submitting the panel again", exc)
            failed.append(exc.request_id)
            result = None
        while result is None:
            try:
                handle, submitted = await self._submit(request, endpoint, arguments, failed)
                result = await self._result(handle, submitted)
            except FailedGeneration as exc:
                failed.append(exc.request_id)
                if len(failed) >= self._policy.attempts:
                    raise ProviderError(f"{exc} ({len(failed)} requests with seed {request.seed} failed)") from exc
                delay = self._policy.delay(len(failed), None)
                log.warning("%s; submitting the panel again in %.2f s", exc, delay)
                await asyncio.sleep(delay)
        return result

    async def _earlier_result(self, request: ImageRequest, endpoint: str, arguments: dict) -> dict | None:
        """The result of the request an earlier attempt submitted (known by id, or found by its intent), or None."""
        resume_id = request.resume_id
        unconfirmed = request.unconfirmed
        if resume_id is None and unconfirmed is not None and unconfirmed.seed == request.seed:
            resume_id = await self._finder.find(endpoint, arguments, unconfirmed)
            await _tell(request, resume_id)  # found: recorded; not found: the intent is void
        return await self._resume(endpoint, resume_id) if resume_id else None

    async def _submit(
        self, request: ImageRequest, endpoint: str, arguments: dict, failed: list[str]
    ) -> tuple[fal_client.AsyncRequestHandle, float | None]:
        """A request for the panel that fal has taken, and when it was submitted (None: found, not timed).

        Its intent is recorded first and its id after. A submission whose answer was lost is looked
        for in fal's request listing, like after a crash; only one not found there is sent again.
        """
        for _ in range(self._policy.attempts):
            intent = ImageIntent(seed=request.seed)  # no later than the one the job records
            if request.on_submitting is not None:
                await request.on_submitting(request.seed)
            submitted = time.monotonic()
            try:
                handle = await retrying(
                    lambda: submit(self._poller.http, endpoint, arguments), self._policy, "fal.ai submit"
                )
            except LostReply as lost:
                log.warning("fal.ai's answer to a submission was lost (%s): looking for the request", lost)
                found = await self._finder.find(endpoint, arguments, intent, self._lost_reply_wait(), failed)
                await _tell(request, found)
                if found is not None:
                    return await self._fal.get_handle(endpoint, found), None
                continue
            except ProviderError:  # refused, or never taken (retries spent on 429s, refused connections)
                await _tell(request, None)  # fal queued nothing: the intent is void
                raise
            await _tell(request, handle.request_id)
            return handle, submitted
        raise ProviderError(
            f"fal.ai submit: {self._policy.attempts} answers lost, and no request found in fal.ai's listing"
        )

    def _lost_reply_wait(self) -> timedelta:
        """How long a request whose submission answer was lost is looked for before the panel is sent again.

        A request fal took shows in its listing once it has ended, which takes about as long as the
        recent images took; half of IMAGE_TIMEOUT_SECONDS at most, so a new request still has time.
        """
        most = self._timeout / 2
        slowest = self._poller.schedule.slowest()
        wait = most if slowest is None else min(most, max(_LOST_REPLY_MIN_SECONDS, _LOST_REPLY_FACTOR * slowest))
        return timedelta(seconds=wait)

    async def _result(self, handle: fal_client.AsyncRequestHandle, submitted: float | None = None) -> dict:
        handle = self._poller.adopt(handle)
        try:
            # A failed poll polls the same request again: a retry never pays for a second image.
            return await retrying(lambda: self._wait(handle, submitted), self._policy, "fal.ai result")
        except asyncio.CancelledError:
            # Cancelled or timed out here: stop paying for a picture nobody will store.
            await asyncio.shield(_cancel_quietly(handle))
            raise

    async def _wait(self, handle: fal_client.AsyncRequestHandle, submitted: float | None) -> dict:
        try:
            return await self._poller.wait(handle, submitted)
        except fal_client.client.FalClientHTTPError as exc:
            meaning = await poll_failure(handle, exc)  # a passing fault, a request that failed, or neither
            if meaning is exc:
                raise
            raise meaning from exc
        except httpx.TransportError as exc:
            raise Retryable(exc) from exc

    async def _slotted(self, call: Callable[[], Awaitable[T]]) -> T:
        """`call()`, in one of the poller's slots: few requests to fal.ai at once (see fal_polling.py)."""
        async with self._poller.in_flight:
            return await call()

    async def _resume(self, endpoint: str, request_id: str) -> dict | None:
        """The result of a request an earlier attempt submitted, or None when it is gone; raises FailedGeneration."""
        handle = await self._fal.get_handle(endpoint, request_id)
        try:
            return await self._result(handle)
        except fal_client.client.FalClientHTTPError as exc:
            log.info("fal.ai request %s cannot be resumed (%s); submitting again", request_id, exc)
            return None

    async def aclose(self) -> None:
        """Close the download and polling clients (fal_client's own client has no close method)."""
        await self._downloads.aclose()
        await self._poller.aclose()
        await self._finder.aclose()


class _FlaggedImage(ProviderError):
    """fal.ai's safety checker found NSFW concepts in the image (it then sends a black picture)."""


async def _cancel_quietly(handle: fal_client.AsyncRequestHandle) -> None:
    try:
        async with asyncio.timeout(5):
            await handle.cancel()
    except (TimeoutError, fal_client.client.FalClientError, httpx.HTTPError) as exc:
        log.warning("could not cancel fal.ai request %s: %s", handle.request_id, exc)


async def _tell(request: ImageRequest, request_id: str | None) -> None:
    """Record on the job which request the panel is (None: none; the intent is void)."""
    if request.on_submitted is not None:
        await request.on_submitted(request_id)
