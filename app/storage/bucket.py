"""Images, pages and PDFs as objects in an S3-compatible bucket (IMAGE_STORE=s3).

The keys are `image_keys`' (the export's storage layout), so the bucket a file store is moved up
into and the one a live service fills are the same. One client serves the whole process: opened
with the services, closed with them (`open`, `aclose`).

The running totals for the storage stats come from one listing of the bucket at start-up, then
from each write and delete made here; a write asks the object's old size first (a HEAD), so an
overwrite is not counted twice. Objects changed by another process are counted at the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any
from uuid import UUID

from botocore.exceptions import BotoCoreError, ClientError

from app.errors import MediaNotFound, StorageUnavailable
from app.storage.health import PlaceCheck
from app.storage.image_keys import (
    comic_prefix,
    content_type_of,
    finished_key,
    is_panel_file,
    key_of,
    panel_key,
    reference_key,
    stored_path,
)
from app.storage.image_store import ImageInfo
from app.storage.images import StoredMedia
from app.storage.s3_client import (
    MISSING_OBJECT,
    S3Target,
    described,
    ensure_bucket,
    error_code,
    open_client,
    put_bytes,
)
from app.storage.tally import SharedTally

_PREFIXES = ("comics/", "characters/")  # everything `image_keys` names; other objects are not ours
_CHUNK = 256 * 1024
_BATCH = 1000  # the most keys one DeleteObjects request takes


class BucketImageStore:
    """The `Images` door (app/storage/images.py) over one bucket."""

    def __init__(self, target: S3Target) -> None:
        self.target = target
        self._stack = contextlib.AsyncExitStack()
        self._client: Any = None
        self._totals = SharedTally(is_panel_file)  # every image, and the panels among them (by file name)
        self._counting: asyncio.Future[None] | None = None

    async def open(self) -> None:
        """Create the client and make sure the bucket is there; raises S3Unusable, saying why, when not."""
        try:
            self._client = await open_client(self._stack, self.target, attempts=2)
            await ensure_bucket(self._client, self.target)
        except BaseException:
            await self._stack.aclose()
            raise

    async def aclose(self) -> None:
        """Close the client (its connections)."""
        await self._stack.aclose()

    async def health(self) -> PlaceCheck:
        """Whether the bucket answers a listing now (the message names the endpoint, never the keys)."""
        try:
            with self._requests():
                await self._client.list_objects_v2(Bucket=self.target.bucket, MaxKeys=1)
        except StorageUnavailable as exc:
            return PlaceCheck("s3", str(exc))
        return PlaceCheck("s3")

    @contextlib.contextmanager
    def _requests(self) -> Iterator[None]:
        # A missing object is the caller's business; anything else is the bucket's trouble (503).
        try:
            yield
        except ClientError as exc:
            if error_code(exc) in MISSING_OBJECT:
                raise MediaNotFound("no such file") from None
            raise described(self.target, exc) from exc
        except BotoCoreError as exc:
            raise described(self.target, exc) from exc

    async def save_panel(self, comic_id: UUID, panel_id: int, data: bytes, info: ImageInfo) -> str:
        """Store a panel image; returns its stored path."""
        return await self._put(panel_key(comic_id, panel_id, info.extension), data)

    async def save_panel_version(
        self, comic_id: UUID, panel_id: int, version: int, data: bytes, info: ImageInfo
    ) -> str:
        """Store a redrawn panel beside the first one; returns its stored path."""
        return await self._put(panel_key(comic_id, panel_id, info.extension, version), data)

    async def save_reference(self, character_type: str, style: str, version: int, data: bytes, info: ImageInfo) -> str:
        """Store a character's reference picture; returns its stored path."""
        return await self._put(reference_key(character_type, style, version, info.extension), data)

    def finished_path(self, comic_id: UUID, name: str) -> str:
        """Where a finished file of a comic is kept, whether it exists or not."""
        return stored_path(finished_key(comic_id, name))

    async def save_finished(self, comic_id: UUID, name: str, data: bytes) -> str:
        """Store a finished file of a comic (a lettered panel, the page, a PDF); returns its stored path."""
        return await self._put(finished_key(comic_id, name), data)

    async def delete_finished(self, comic_id: UUID, name: str) -> None:
        """Remove a finished file of a comic, if it is there."""
        key = finished_key(comic_id, name)
        await self._after_count()
        size = await self._size(key)
        if size is not None:
            with self._requests():
                await self._client.delete_object(Bucket=self.target.bucket, Key=key)
            self._removed(key, size)

    async def read(self, relative: str) -> bytes:
        """The bytes of a stored image; raises MediaNotFound."""
        stored = await self.media(relative)
        return b"".join([chunk async for chunk in stored.chunks])

    async def exists(self, relative: str) -> bool:
        """Whether a stored path names an object that is there."""
        try:
            return await self._size(key_of(relative)) is not None
        except MediaNotFound:
            return False

    async def media(self, relative: str) -> StoredMedia:
        """A stored object on its way to a client: its headers now (MediaNotFound), its bytes as they come."""
        key = key_of(relative)
        with self._requests():
            answer = await self._client.get_object(Bucket=self.target.bucket, Key=key)
        return StoredMedia(content_type_of(key), int(answer["ContentLength"]), self._chunks(answer["Body"]))

    async def _chunks(self, body: Any) -> AsyncIterator[bytes]:
        async with body:
            with self._requests():
                async for chunk in body.iter_chunks(_CHUNK):
                    yield chunk

    async def has_comic(self, comic_id: UUID) -> bool:
        """Whether any object of the comic is stored (false once it is deleted)."""
        with self._requests():
            page = await self._client.list_objects_v2(
                Bucket=self.target.bucket, Prefix=comic_prefix(comic_id), MaxKeys=1
            )
        return bool(page.get("KeyCount", 0))

    async def delete_comic(self, comic_id: UUID) -> None:
        """Remove every object of one comic."""
        await self._after_count()
        objects = await self._list(comic_prefix(comic_id))
        for start in range(0, len(objects), _BATCH):
            batch = objects[start : start + _BATCH]
            with self._requests():
                await self._client.delete_objects(
                    Bucket=self.target.bucket, Delete={"Objects": [{"Key": key} for key, _ in batch], "Quiet": True}
                )
            for key, size in batch:
                self._removed(key, size)

    async def count(self) -> None:
        """List the bucket once (at start-up); writes and deletes keep the totals current after."""
        if self._counting is None or (self._counting.done() and not self._totals.ready):  # first, or it failed
            self._counting = asyncio.ensure_future(self._count())
        await asyncio.shield(self._counting)

    async def _count(self) -> None:
        found = [item for prefix in _PREFIXES for item in await self._list(prefix)]
        panels = [size for key, size in found if is_panel_file(_name(key))]
        self._totals.reset(len(found), sum(size for _, size in found), len(panels), sum(panels))

    async def usage(self) -> tuple[int, int]:
        """How many objects there are and how many bytes they take."""
        return (await self._totals.counted(self.count)).all.totals()

    async def panel_usage(self) -> tuple[int, int]:
        """`usage` of the panels alone: every version of each panel's picture and its lettered copy."""
        return (await self._totals.counted(self.count)).share.totals()

    async def _put(self, key: str, data: bytes) -> str:
        await self._after_count()
        old_size = await self._size(key)
        with self._requests():
            # no-cache, as /media answers: a redrawn page keeps its key, so a cached copy would be stale.
            await put_bytes(self._client, self.target.bucket, key, data, cache_control="no-cache")
        self._totals.replaced(_name(key), old_size, len(data))
        return stored_path(key)

    async def _size(self, key: str) -> int | None:
        try:
            with self._requests():
                answer = await self._client.head_object(Bucket=self.target.bucket, Key=key)
        except MediaNotFound:
            return None
        return int(answer["ContentLength"])

    async def _list(self, prefix: str) -> list[tuple[str, int]]:
        found = []
        with self._requests():
            async for page in self._client.get_paginator("list_objects_v2").paginate(
                Bucket=self.target.bucket, Prefix=prefix
            ):
                found.extend((item["Key"], int(item["Size"])) for item in page.get("Contents", []))
        return found

    def _removed(self, key: str, size: int) -> None:
        self._totals.removed(_name(key), size)

    async def _after_count(self) -> None:
        # A write during the start-up listing could be counted twice or not at all: wait for it.
        if self._counting is not None and not self._counting.done():
            await asyncio.wait([self._counting])


def _name(key: str) -> str:
    """An object's file name: the last part of its key."""
    return key.rpartition("/")[2]
