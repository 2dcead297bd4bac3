"""`python main.py generate` next to a running server: the comic is made BY that server, through its HTTP API.

The server owns the data folder (app/storage/folder_lock.py), and only the owner may run jobs in
it: a second process would have to open the store, where start-up recovery takes every job the
server is drawing for an orphan, and both would then write the same documents. Refusing would
make a user stop the server to make one comic; asking the server costs nothing, keeps one writer,
and the comic is in the same folder either way, so the same paths are printed. The server's URL is
the one it recorded when it took the folder; `API_TOKEN` is sent as it would be by any client.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any
from uuid import UUID

import httpx
from pydantic import BaseModel

from app.errors import FolderBusy, ServerCallFailed
from app.models.records import CharacterChoice, Providers
from app.models.schemas import (
    ComicResult,
    GenerateComicRequest,
    GenerateScenesRequest,
    JobStatusResponse,
    RefineScenesRequest,
)
from app.models.states import AgeGroup, JobStatus
from config import Settings

API = "/api/v1/comics"
_POLL_SECONDS = 0.1
# A server that holds the folder but does not answer yet is starting (scanning a large folder, say).
_STARTING_SECONDS = 10.0
# Scenes and pictures are made in the background, so every call answers at once; a slow answer is a stuck server.
_CALL_TIMEOUT = httpx.Timeout(30.0, connect=5.0)

ShowStatus = Callable[[JobStatusResponse], None]


async def generate_through_server(
    busy: FolderBusy,
    settings: Settings,
    request: GenerateScenesRequest,
    style: str,
    show: ShowStatus,
    say: Callable[[str], None],
) -> ComicResult:
    """Make the comic on the server that holds the folder; raises FolderBusy when it cannot serve us."""
    if busy.purpose != "serve" or not busy.url:
        raise busy  # another `generate`, or a server that did not say where it listens: nothing to ask
    headers = {"Authorization": f"Bearer {settings.api_token}"} if settings.api_token else {}
    async with httpx.AsyncClient(base_url=busy.url, headers=headers, timeout=_CALL_TIMEOUT) as http:
        providers = Providers.model_validate((await _reachable(http, busy))["providers"])
        say(f"text: {providers.text}, images: {providers.image} (made by the server at {busy.url}, pid {busy.pid})")
        job = await _call(http, "POST", f"{API}/scenes/generate", request)
        try:
            await _wait(http, job.job_id, show)
            await _call(http, "POST", f"{API}/{job.job_id}/scenes/refine", RefineScenesRequest(feedback_list=[]))
            await _call(http, "POST", f"{API}/{job.job_id}/generate", GenerateComicRequest(style=style))
            await _wait(http, job.job_id, show)
        except asyncio.CancelledError:  # Ctrl-C: the job is the server's, so it would go on drawing (and paying)
            with contextlib.suppress(httpx.HTTPError):
                await http.post(f"{API}/{job.job_id}/cancel", timeout=5.0)
            raise
        result = ComicResult.model_validate(await _json(http, "GET", f"{API}/{job.job_id}/result"))
        # The page and PDFs are made in the background; asking for one makes it now, so its path is real.
        for url in (result.page_url, *result.pdf_urls.values()):
            if url:
                await _fetch_headers(http, url)
        return result


async def _reachable(http: httpx.AsyncClient, busy: FolderBusy) -> Any:
    deadline = time.monotonic() + _STARTING_SECONDS
    while True:
        try:
            response = await http.get("/health")
            if response.status_code == 200:
                return response.json()
            problem = f"/health answered {response.status_code}"
        except httpx.TransportError as exc:
            problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        if time.monotonic() > deadline:
            raise ServerCallFailed(
                f"the data folder {busy.folder} is held by the server at {busy.url} (pid {busy.pid}), which does "
                f"not answer ({problem}); `generate` makes its comic through the server that holds the folder, "
                "so restart or stop that server, or give this command another DATA_DIR"
            )
        await asyncio.sleep(0.2)


async def _wait(http: httpx.AsyncClient, job_id: UUID, show: ShowStatus) -> JobStatusResponse:
    while True:
        status = JobStatusResponse.model_validate(await _json(http, "GET", f"{API}/{job_id}/status"))
        show(status)
        if status.status not in (JobStatus.PENDING, JobStatus.PROCESSING):
            if status.status not in (JobStatus.REQUIRES_ACTION, JobStatus.COMPLETED):
                raise ServerCallFailed(f"job {job_id} {status.status.value}: {status.error}")
            return status
        await asyncio.sleep(_POLL_SECONDS)


async def _call(http: httpx.AsyncClient, method: str, path: str, body: BaseModel) -> JobStatusResponse:
    payload = body.model_dump(mode="json", exclude_none=True)
    return JobStatusResponse.model_validate(await _json(http, method, path, payload))


async def _json(http: httpx.AsyncClient, method: str, path: str, body: Any = None) -> Any:
    try:
        response = await http.request(method, path, json=body)
    except httpx.TransportError as exc:
        raise ServerCallFailed(f"the server at {http.base_url} stopped answering ({type(exc).__name__})") from exc
    if response.is_success:
        return response.json()
    raise ServerCallFailed(_refusal(response))


async def _fetch_headers(http: httpx.AsyncClient, url: str) -> None:
    # Streamed and closed after the headers: the file exists once the server answers, the bytes are not needed.
    try:
        async with http.stream("GET", url) as response:
            if not response.is_success:
                await response.aread()
                raise ServerCallFailed(_refusal(response))
    except httpx.TransportError as exc:
        raise ServerCallFailed(f"the server at {http.base_url} stopped answering ({type(exc).__name__})") from exc


def _refusal(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail", response.text)
    except ValueError:
        detail = response.text
    if response.status_code == 401:
        detail = f"{detail} (set API_TOKEN to the server's token)"
    return (
        f"the server answered {response.status_code} to {response.request.method} {response.request.url.path}: {detail}"
    )


def scenes_request(topic: str, age_group: str, cast: list[str], panel_count: int) -> GenerateScenesRequest:
    """The body of `POST .../scenes/generate` for the command line's arguments (the cast as a list of types)."""
    choices = [CharacterChoice(character_type=name, count=cast.count(name)) for name in dict.fromkeys(cast)]
    return GenerateScenesRequest(
        topic=topic, age_group=AgeGroup(age_group), characters=choices, panel_count=panel_count
    )
