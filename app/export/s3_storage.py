"""Upload an export's files to an S3 bucket: AWS S3, Supabase Storage's S3 endpoint, R2, MinIO.

aiobotocore (botocore's signing, retries and error parsing over aiohttp) rather than requests
signed by hand. Objects get the same keys as the Supabase Storage REST upload: the file's path
under the export's storage/<bucket>/ folder. Choices that make one client work on every such store:

- Path-style addressing (the bucket in the path, not in the host name): Supabase's endpoint
  documents it (`forcePathStyle`), and a server on 127.0.0.1 has no per-bucket host names.
- Checksums only when an operation requires them: botocore 1.36 started sending CRC32 checksum
  headers on every upload, which several S3-compatible stores refuse. Each upload carries its
  Content-MD5 instead, which every S3 server checks.
- One listing of the bucket under the export's prefix (1,000 objects a request) instead of a HEAD
  per file tells what is there already: an object with the file's size and the file's MD5 as its
  ETag (what S3 answers for an object put in one request, as every object here is) is skipped, so
  running the export again resumes an interrupted upload and uploads nothing when all is there.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import mimetypes
import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError

from app.errors import ExportFailed
from app.export.uploads import Progress, UploadReport, files_under, send_all

# Codes S3 servers answer when the keys are unknown, wrong or not allowed on the bucket.
_REFUSED = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "InvalidToken", "403"}
_MISSING_BUCKET = {"NoSuchBucket", "404"}


@dataclass(frozen=True)
class S3Target:
    """Where an S3 upload goes and the keys it signs with."""

    endpoint_url: str
    bucket: str
    region: str
    access_key_id: str
    secret_access_key: str

    def __repr__(self) -> str:  # keeps the secret out of logs and tracebacks
        return f"S3Target(endpoint_url={self.endpoint_url!r}, bucket={self.bucket!r}, region={self.region!r})"


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
    config = AioConfig(
        s3={"addressing_style": "path"},
        retries={"mode": "standard", "max_attempts": 3},
        connect_timeout=10,
        read_timeout=request_seconds,
        max_pool_connections=concurrency,
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    async with contextlib.AsyncExitStack() as stack:
        try:
            client = await stack.enter_async_context(
                get_session().create_client(
                    "s3",
                    endpoint_url=target.endpoint_url,
                    region_name=target.region,
                    aws_access_key_id=target.access_key_id,
                    aws_secret_access_key=target.secret_access_key,
                    config=config,
                )
            )
        except (BotoCoreError, ValueError) as exc:  # a malformed endpoint URL, say
            raise _failed(target, f"cannot be used: {exc}") from exc
        stored = await _stored_objects(client, target, _common_folder([name for _, name, _ in files]))

        async def send(path: Path, name: str, size: int) -> str:
            data = await asyncio.to_thread(path.read_bytes)
            md5 = hashlib.md5(data, usedforsecurity=False)
            if stored.get(name) == (size, md5.hexdigest()):
                return "skipped"
            await client.put_object(
                Bucket=target.bucket,
                Key=name,
                Body=data,
                ContentMD5=base64.b64encode(md5.digest()).decode(),
                ContentType=mimetypes.guess_type(name)[0] or "application/octet-stream",
                CacheControl="max-age=3600",
            )
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
    """Key -> (size, ETag without quotes) of the objects under `prefix`; creates the bucket when missing.

    The listing is also the first request, so it is where an unreachable endpoint or refused keys show.
    """
    try:
        try:
            return await _list(client, target.bucket, prefix)
        except ClientError as exc:
            if _code(exc) not in _MISSING_BUCKET:
                raise
        await client.create_bucket(Bucket=target.bucket, **_location(target.region))
        return {}
    except ClientError as exc:
        code = _code(exc)
        if code in _REFUSED:
            raise _failed(target, f"refused the keys ({code}): check S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY") from exc
        raise _failed(target, f"answered {code}: {_message(exc)}") from exc
    except BotoCoreError as exc:
        raise _failed(target, f"cannot be reached: {exc}") from exc


async def _list(client: Any, bucket: str, prefix: str) -> dict[str, tuple[int, str]]:
    found: dict[str, tuple[int, str]] = {}
    async for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            found[item["Key"]] = (item["Size"], item["ETag"].strip('"'))
    return found


def _location(region: str) -> dict[str, Any]:
    # S3 refuses a location constraint naming its default region, and needs one for any other.
    return {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _message(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Message", "")) or str(exc)


def _failed(target: S3Target, what: str) -> ExportFailed:
    line = " ".join(f"the S3 endpoint {target.endpoint_url} (bucket {target.bucket}) {what}".split())
    return ExportFailed(line)
