"""Upload an export's files to an S3 bucket: AWS S3, Supabase Storage's S3 endpoint, R2, MinIO.

The client is made by `app/storage/s3_client.py`, as for the image store, so both sign, address
and check objects alike. Objects get the same keys as the Supabase Storage REST upload: the
file's path under the export's storage/<bucket>/ folder.

- One listing of the bucket under the export's prefix (1,000 objects a request) instead of a HEAD
  per file tells what is there already: an object with the file's size and the file's MD5 as its
  ETag (what S3 answers for an object put in one request, as every object here is) is skipped, so
  running the export again resumes an interrupted upload and uploads nothing when all is there.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import posixpath
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from app.errors import ExportFailed
from app.export.uploads import Progress, UploadReport, files_under, send_all
from app.storage.s3_client import S3Target, S3Unusable, described, ensure_bucket, open_client, put_bytes

__all__ = ["S3Target", "upload_to_s3"]


async def upload_to_s3(
    folder: Path,
    target: S3Target,
    *,
    concurrency: int = 8,
    progress: Progress | None = None,
    request_seconds: float = 60.0,
) -> UploadReport:
    """Upload every file under `folder` (an export's storage/<bucket>) to the target's bucket, keyed by its
    relative path; creates the bucket when it does not exist. Raises ExportFailed, in one line naming the
    endpoint and the bucket, when the endpoint cannot be reached or refuses the keys."""
    files = await asyncio.to_thread(files_under, folder)
    async with contextlib.AsyncExitStack() as stack:
        try:
            client = await open_client(stack, target, connections=concurrency, request_seconds=request_seconds)
            stored = await _stored_objects(client, target, _common_folder([name for _, name, _ in files]))
        except S3Unusable as exc:
            raise ExportFailed(str(exc)) from exc

        async def send(path: Path, name: str, size: int) -> str:
            data = await asyncio.to_thread(path.read_bytes)
            md5 = hashlib.md5(data, usedforsecurity=False)
            if stored.get(name) == (size, md5.hexdigest()):
                return "skipped"
            await put_bytes(client, target.bucket, name, data, md5=md5, cache_control="max-age=3600")
            return "uploaded"

        return await send_all(
            files,
            send,
            failures=(ClientError, BotoCoreError, OSError),
            concurrency=concurrency,
            progress=progress,
            target=f"S3 bucket {target.bucket}",
        )


def _common_folder(names: list[str]) -> str:
    """The deepest folder holding every object (`comics/<id>/` for one comic): the listing needs no more."""
    folder = posixpath.commonpath([posixpath.dirname(name) for name in names]) if names else ""
    return f"{folder}/" if folder else ""


async def _stored_objects(client: Any, target: S3Target, prefix: str) -> dict[str, tuple[int, str]]:
    """Key -> (size, ETag without quotes) of the objects under `prefix`; creates the bucket when missing."""
    await ensure_bucket(client, target)
    try:
        return await _list(client, target.bucket, prefix)
    except (ClientError, BotoCoreError) as exc:
        raise described(target, exc) from exc


async def _list(client: Any, bucket: str, prefix: str) -> dict[str, tuple[int, str]]:
    found: dict[str, tuple[int, str]] = {}
    async for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            found[item["Key"]] = (item["Size"], item["ETag"].strip('"'))
    return found
