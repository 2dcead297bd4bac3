"""Image files under DATA_DIR/images: checked on the way in, resolved safely on the way out."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import shutil
import warnings
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO
from uuid import UUID

from PIL import Image

from app.errors import InvalidImage, MediaNotFound
from app.storage.health import PlaceCheck, folder_health
from app.storage.image_keys import (
    IMAGES,
    comic_prefix,
    content_type_of,
    finished_key,
    is_panel_file,
    panel_key,
    reference_key,
)
from app.storage.images import StoredMedia
from app.storage.tally import SharedTally, size_or_none, tree_usage
from app.storage.tree_scan import cached_tree_usage
from app.storage.write_threads import in_write_thread
from utils import atomic_write_bytes

_FORMATS = {"PNG": ("png", "image/png"), "JPEG": ("jpg", "image/jpeg"), "WEBP": ("webp", "image/webp")}
# A decompression bomb is a hostile image; Pillow only warns below twice its limit, so be strict.
_MAX_PIXELS = 40_000_000
_CHUNK = 256 * 1024  # what /media sends at a time: a page or PDF is a few MB, a panel under one


@dataclass(frozen=True)
class ImageInfo:
    """What a decoded image turned out to be."""

    extension: str
    content_type: str
    width: int
    height: int
    size_bytes: int
    sha256: str

    def picture_fields(self, path: str) -> dict[str, object]:
        """The fields a `Picture` record takes from the stored file at `path`."""
        return {
            "image_path": path,
            "content_type": self.content_type,
            "width": self.width,
            "height": self.height,
            "size_bytes": self.size_bytes,
            "sha256": self.sha256,
        }


def probe_image(data: bytes) -> ImageInfo:
    """Decode `data` fully and describe it; raises InvalidImage for anything that is not one."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > _MAX_PIXELS:
                    raise InvalidImage(f"image too large: {image.width}x{image.height}")
                image.load()
                fmt = image.format or ""
                width, height = image.size
    except InvalidImage:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise InvalidImage(f"not a decodable image: {exc}") from exc
    if fmt not in _FORMATS:
        raise InvalidImage(f"unsupported image format {fmt or 'unknown'}")
    extension, content_type = _FORMATS[fmt]
    return ImageInfo(extension, content_type, width, height, len(data), hashlib.sha256(data).hexdigest())


class ImageStore:
    """Panel images, one folder per comic: `images/comics/<comic_id>/panel-<n>.<ext>`, plus redrawn
    versions (`panel-<n>.v<k>.<ext>`) and the finished files (lettered panels, `page.png`, PDFs);
    and the characters' reference pictures, `images/characters/<type>/<style>.v<k>.<ext>`.

    The number and bytes of image files, and of the panels among them, are running totals
    (`SharedTally`): one walk of the folder at start-up (`count`), then adjusted by every write and delete
    made here. The walk may run while the service already serves; writes and deletes wait for it to
    end, so none is counted twice or missed.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self.root = self.data_dir / IMAGES
        self._totals = SharedTally(is_panel_file)  # every image, and the panels among them
        self._counting: asyncio.Future[None] | None = None  # the walk of `count`, once started

    def comic_folder(self, comic_id: UUID) -> Path:
        """The folder holding one comic's images."""
        return self.root / comic_prefix(comic_id)

    def _at(self, key: str) -> Path:
        return self.root / key

    async def save_panel(self, comic_id: UUID, panel_id: int, data: bytes, info: ImageInfo) -> str:
        """Store a panel image; returns its path relative to DATA_DIR (POSIX)."""
        path = self._at(panel_key(comic_id, panel_id, info.extension))
        await self._change(self._store, path, data)
        return path.relative_to(self.data_dir).as_posix()

    async def save_panel_version(
        self, comic_id: UUID, panel_id: int, version: int, data: bytes, info: ImageInfo
    ) -> str:
        """Store a redrawn panel as `panel-<n>.v<k>.<ext>` beside the first one; returns its relative path."""
        path = self._at(panel_key(comic_id, panel_id, info.extension, version))
        await self._change(self._store, path, data)
        return path.relative_to(self.data_dir).as_posix()

    async def save_reference(self, character_type: str, style: str, version: int, data: bytes, info: ImageInfo) -> str:
        """Store a character's reference picture as `<style>.v<k>.<ext>`; returns its relative path."""
        path = self._at(reference_key(character_type, style, version, info.extension))
        await self._change(self._store, path, data)
        return path.relative_to(self.data_dir).as_posix()

    def _finished(self, comic_id: UUID, name: str) -> Path:
        return self._at(finished_key(comic_id, name))

    def finished_path(self, comic_id: UUID, name: str) -> str:
        """Where a finished file of a comic is kept, relative to DATA_DIR (POSIX), whether it exists or not."""
        return self._finished(comic_id, name).relative_to(self.data_dir).as_posix()

    async def save_finished(self, comic_id: UUID, name: str, data: bytes) -> str:
        """Store a finished file of a comic (a lettered panel, the page, a PDF); returns its relative path."""
        path = self._finished(comic_id, name)
        await self._change(self._store, path, data)
        return path.relative_to(self.data_dir).as_posix()

    async def delete_finished(self, comic_id: UUID, name: str) -> None:
        """Remove a finished file of a comic, if it is there (a PDF made from a page that has changed)."""
        await self._change(self._remove_file, self._finished(comic_id, name))

    async def read(self, relative: str) -> bytes:
        """The bytes of a stored file, by its path relative to DATA_DIR (see `resolve`)."""
        return await asyncio.to_thread(lambda: self.resolve(relative).read_bytes())

    async def exists(self, relative: str) -> bool:
        """Whether a stored path names an image that is there."""
        try:
            await self.locate(relative)
        except MediaNotFound:
            return False
        return True

    async def media(self, relative: str) -> StoredMedia:
        """A stored file on its way to a client, opened now so that a missing one raises MediaNotFound here."""
        path = await self.locate(relative)
        try:
            handle = await asyncio.to_thread(path.open, "rb")
        except OSError:  # deleted since `locate` looked
            raise MediaNotFound("no such file") from None
        size = await asyncio.to_thread(lambda: os.fstat(handle.fileno()).st_size)
        return StoredMedia(content_type_of(path.name), size, _chunks_of(handle))

    async def health(self) -> PlaceCheck:
        """Whether the images folder is there and writable."""
        return await asyncio.to_thread(folder_health, self.root, "DATA_DIR/images")

    async def aclose(self) -> None:
        """Nothing to close: files are opened per read or write."""

    async def has_comic(self, comic_id: UUID) -> bool:
        """Whether any image of the comic is stored (false once it is deleted)."""
        return await asyncio.to_thread(self.comic_folder(comic_id).is_dir)

    async def _change(self, function: Callable[..., None], *args: object) -> None:
        """Run a write or delete in a writer thread, once the start-up walk (if it is running) has ended."""
        if self._counting is not None and not self._counting.done():
            await asyncio.wait([self._counting])  # its outcome is `count`'s business, not the write's
        await in_write_thread(function, *args)

    def _store(self, path: Path, data: bytes) -> None:
        """Write one image file atomically and count it; every image write goes through here."""
        old_size = size_or_none(path)
        atomic_write_bytes(path, data)
        self._totals.replaced(path.name, old_size, len(data))

    async def locate(self, relative: str) -> Path:
        """`resolve`, off the event loop."""
        return await asyncio.to_thread(self.resolve, relative)

    def resolve(self, relative: str) -> Path:
        """The absolute file for a stored relative path, refusing anything outside the images folder.

        Symlinks are resolved first, so a link pointing out of DATA_DIR is refused too.
        """
        parts = PurePosixPath(relative).parts
        if not parts or PurePosixPath(relative).is_absolute() or ".." in parts or "\\" in relative or "\0" in relative:
            raise MediaNotFound("no such file")
        try:
            candidate = (self.data_dir / Path(*parts)).resolve()
            if not candidate.is_relative_to(self.root.resolve()) or not candidate.is_file():
                raise MediaNotFound("no such file")
        except (OSError, ValueError):  # a name too long for the file system, a NUL byte: found by fuzzing
            raise MediaNotFound("no such file") from None
        return candidate

    async def delete_comic(self, comic_id: UUID) -> None:
        """Remove every image of one comic."""
        await self._change(self._remove_tree, self.comic_folder(comic_id))

    def _remove_file(self, path: Path) -> None:
        size = size_or_none(path)
        try:
            path.unlink()
        except FileNotFoundError:
            return
        self._totals.removed(path.name, size or 0)

    def _remove_tree(self, folder: Path) -> None:
        before, panels_before = tree_usage(folder), tree_usage(folder, is_panel_file)
        shutil.rmtree(folder, True)
        after, panels_after = tree_usage(folder), tree_usage(folder, is_panel_file)  # what stayed is still counted
        self._totals.all.removed(before[0] - after[0], before[1] - after[1])
        self._totals.share.removed(panels_before[0] - panels_after[0], panels_before[1] - panels_after[1])

    def _count(self) -> None:
        cache = self.data_dir / ".cache" / "image-folders.json"
        files, size, panels, panel_size = cached_tree_usage(self.root, cache, is_panel_file)
        self._totals.reset(files, size, panels, panel_size)

    async def count(self) -> None:
        """Walk the images folder once (at start-up); writes and deletes keep the totals current after.

        Callers meanwhile share the walk in progress rather than starting another.
        """
        if self._counting is None or (self._counting.done() and not self._totals.ready):  # first, or it failed
            self._counting = asyncio.ensure_future(asyncio.to_thread(self._count))
        await asyncio.shield(self._counting)

    async def usage(self) -> tuple[int, int]:
        """How many image files there are and how many bytes they take (counted at the first call)."""
        return (await self._totals.counted(self.count)).all.totals()

    async def panel_usage(self) -> tuple[int, int]:
        """`usage` of the panels alone: every version of each panel's picture and its lettered copy."""
        return (await self._totals.counted(self.count)).share.totals()


async def _chunks_of(handle: BinaryIO) -> AsyncIterator[bytes]:
    try:
        while chunk := await asyncio.to_thread(handle.read, _CHUNK):
            yield chunk
    finally:
        await asyncio.to_thread(handle.close)


__all__ = ["ImageInfo", "ImageStore", "is_panel_file", "probe_image"]
