"""Upload an export's images to Supabase Storage through its REST API.

One request per file, several at once. `POST /storage/v1/object/<bucket>/<path>` with
`x-upsert: true` creates or replaces an object; before that, `HEAD
/storage/v1/object/authenticated/<bucket>/<path>` tells whether the object is already there with
the same size, and such files are skipped, so an interrupted upload resumes where it stopped.
The bucket is created (private) when it does not exist yet.
"""

from __future__ import annotations

import asyncio
import mimetypes
from pathlib import Path
from urllib.parse import quote

import httpx

from app.errors import ExportFailed
from app.export.uploads import Progress, UploadReport, files_under, send_all

_RETRIES = 3
_BACKOFF_SECONDS = 0.5  # doubled after each failed attempt
_RETRY_STATUSES = {408, 429, 500, 502, 503, 504}


async def upload_bucket_folder(
    folder: Path,
    *,
    base_url: str,
    key: str,
    bucket: str,
    concurrency: int = 8,
    progress: Progress | None = None,
    request_seconds: float = 60.0,
) -> UploadReport:
    """Upload every file under `folder` (an export's storage/<bucket>) to `bucket`, keyed by its relative path."""
    files = await asyncio.to_thread(files_under, folder)
    headers = {"Authorization": f"Bearer {key}", "apikey": key}
    storage_url = f"{base_url.rstrip('/')}/storage/v1"
    async with httpx.AsyncClient(base_url=storage_url, headers=headers, timeout=request_seconds) as client:
        await _ensure_bucket(client, bucket)

        async def send(path: Path, name: str, size: int) -> str:
            return await _upload(client, bucket, name, path, size)

        return await send_all(
            files,
            send,
            failures=(httpx.HTTPError, OSError, ExportFailed),
            concurrency=concurrency,
            progress=progress,
            target=f"bucket {bucket}",
        )


async def _ensure_bucket(client: httpx.AsyncClient, bucket: str) -> None:
    try:
        found = await client.get(f"/bucket/{quote(bucket)}")
        if found.status_code == 200:
            return
        created = await client.post("/bucket", json={"id": bucket, "name": bucket, "public": False})
    except httpx.HTTPError as exc:
        raise ExportFailed(f"cannot reach Supabase Storage at {client.base_url}: {exc}") from exc
    # Another upload may have created it in between; Storage answers that as a duplicate.
    if created.status_code == 200 or "already exists" in created.text or "Duplicate" in created.text:
        return
    raise ExportFailed(f"bucket {bucket!r} does not exist and could not be created: {_describe(created)}")


async def _upload(client: httpx.AsyncClient, bucket: str, name: str, path: Path, size: int) -> str:
    url = f"/object/{quote(bucket)}/{quote(name)}"
    head = await _send(client, "HEAD", f"/object/authenticated/{quote(bucket)}/{quote(name)}")
    if head.status_code == 200 and head.headers.get("content-length") == str(size):
        return "skipped"
    data = await asyncio.to_thread(path.read_bytes)
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    headers = {"x-upsert": "true", "content-type": content_type, "cache-control": "max-age=3600"}
    response = await _send(client, "POST", url, content=data, headers=headers)
    if response.status_code != 200:
        raise ExportFailed(_describe(response))
    return "uploaded"


async def _send(client: httpx.AsyncClient, method: str, url: str, **kwargs: object) -> httpx.Response:
    """A request, retried with backoff on transport errors and on answers that say "try again"."""
    for attempt in range(1, _RETRIES + 1):
        try:
            response = await client.request(method, url, **kwargs)  # type: ignore[arg-type]
        except httpx.TransportError:
            if attempt == _RETRIES:
                raise
        else:
            if response.status_code not in _RETRY_STATUSES or attempt == _RETRIES:
                return response
        await asyncio.sleep(_BACKOFF_SECONDS * 2 ** (attempt - 1))
    raise AssertionError("unreachable")


def _describe(response: httpx.Response) -> str:
    return f"{response.status_code} {response.text[:300]}".strip()
