"""One aiobotocore S3 client for an S3-compatible bucket (AWS S3, Supabase Storage's S3 endpoint, R2,
MinIO), made the same way for the image store that serves and for the export's upload.

aiobotocore (botocore's signing, retries and error parsing over aiohttp) rather than requests
signed by hand. Choices that make one client work on every such store:

- Path-style addressing (the bucket in the path, not in the host name): Supabase's endpoint
  documents it (`forcePathStyle`), and a server on 127.0.0.1 has no per-bucket host names.
- Checksums only when an operation requires them: botocore 1.36 started sending CRC32 checksum
  headers on every upload, which several S3-compatible stores refuse. Uploads carry their
  Content-MD5 instead, which every S3 server checks.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError

from app.errors import StorageUnavailable
from app.storage.image_keys import content_type_of

if TYPE_CHECKING:
    from config import Settings

# Codes S3 servers answer when the keys are unknown, wrong or not allowed on the bucket.
REFUSED = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "InvalidToken", "403"}
MISSING_BUCKET = {"NoSuchBucket", "404"}
MISSING_OBJECT = {"NoSuchKey", "404", "NotFound"}


@dataclass(frozen=True)
class S3Target:
    """Where a bucket is and the keys requests to it are signed with."""

    endpoint_url: str
    bucket: str
    region: str
    access_key_id: str
    secret_access_key: str

    def __repr__(self) -> str:  # keeps the secret out of logs and tracebacks
        return f"S3Target(endpoint_url={self.endpoint_url!r}, bucket={self.bucket!r}, region={self.region!r})"


def s3_target(settings: Settings, bucket: str | None = None) -> S3Target:
    """The S3 settings as one target (the export's upload may name another bucket)."""
    return S3Target(
        endpoint_url=settings.s3_endpoint_url or "",
        bucket=bucket or settings.s3_bucket,
        region=settings.s3_region,
        access_key_id=settings.s3_access_key_id or "",
        secret_access_key=settings.s3_secret_access_key or "",
    )


class S3Unusable(StorageUnavailable):
    """The endpoint cannot be reached, refuses the keys or answers an error; the message is one line."""


async def open_client(
    stack: contextlib.AsyncExitStack,
    target: S3Target,
    *,
    connections: int = 10,
    request_seconds: float = 60.0,
    attempts: int = 3,
) -> Any:
    """A client for `target`, closed when `stack` closes; raises S3Unusable for a malformed endpoint."""
    config = AioConfig(
        s3={"addressing_style": "path"},
        retries={"mode": "standard", "max_attempts": attempts},
        connect_timeout=10,
        read_timeout=request_seconds,
        max_pool_connections=connections,
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    try:
        return await stack.enter_async_context(
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
        raise unusable(target, f"cannot be used: {exc}") from exc


async def ensure_bucket(client: Any, target: S3Target) -> None:
    """Create the target's bucket when it does not exist; the first request, so where a bad endpoint shows."""
    try:
        try:
            # A listing rather than a HEAD: a HEAD's answer has no body, so no error code to report.
            await client.list_objects_v2(Bucket=target.bucket, MaxKeys=1)
            return
        except ClientError as exc:
            if error_code(exc) not in MISSING_BUCKET:
                raise
        await client.create_bucket(Bucket=target.bucket, **_location(target.region))
    except (ClientError, BotoCoreError) as exc:
        raise described(target, exc) from exc


async def put_bytes(client: Any, bucket: str, key: str, data: bytes, *, cache_control: str, md5: Any = None) -> None:
    """Put one object with its Content-MD5 (the server checks it) and the content type its name gives."""
    digest = (md5 or hashlib.md5(data, usedforsecurity=False)).digest()
    await client.put_object(
        Bucket=bucket,
        Key=key,
        Body=data,
        ContentMD5=base64.b64encode(digest).decode(),
        ContentType=content_type_of(key),
        CacheControl=cache_control,
    )


def described(target: S3Target, exc: ClientError | BotoCoreError) -> S3Unusable:
    """The one-line S3Unusable for a failed request to `target`."""
    if isinstance(exc, BotoCoreError):
        return unusable(target, f"cannot be reached: {exc}")
    code = error_code(exc)
    if code in REFUSED:
        return unusable(target, f"refused the keys ({code}): check S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY")
    return unusable(target, f"answered {code}: {error_message(exc)}")


def unusable(target: S3Target, what: str) -> S3Unusable:
    """An S3Unusable naming the endpoint and the bucket."""
    return S3Unusable(" ".join(f"the S3 endpoint {target.endpoint_url} (bucket {target.bucket}) {what}".split()))


def _location(region: str) -> dict[str, Any]:
    # S3 refuses a location constraint naming its default region, and needs one for any other.
    return {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}


def error_code(exc: ClientError) -> str:
    """The S3 error code of a failed request (`NoSuchKey`, `AccessDenied`, or the HTTP status for a HEAD)."""
    return str(exc.response.get("Error", {}).get("Code", ""))


def error_message(exc: ClientError) -> str:
    """The server's message for a failed request."""
    return str(exc.response.get("Error", {}).get("Message", "")) or str(exc)
