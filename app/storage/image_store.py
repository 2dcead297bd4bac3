"""Image files under DATA_DIR/images: checked on the way in, resolved safely on the way out."""

from __future__ import annotations

import asyncio
import hashlib
import io
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from uuid import UUID

from PIL import Image

from app.errors import InvalidImage, MediaNotFound
from utils import atomic_write_bytes

_FORMATS = {"PNG": ("png", "image/png"), "JPEG": ("jpg", "image/jpeg"), "WEBP": ("webp", "image/webp")}
# A decompression bomb is a hostile image; Pillow only warns below twice its limit, so be strict.
_MAX_PIXELS = 40_000_000


@dataclass(frozen=True)
class ImageInfo:
    """What a decoded image turned out to be."""

    extension: str
    content_type: str
    width: int
    height: int
    size_bytes: int
    sha256: str


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
    """Panel images, one folder per comic: `images/comics/<comic_id>/panel-<n>.<ext>`."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self.root = self.data_dir / "images"

    def comic_folder(self, comic_id: UUID) -> Path:
        """The folder holding one comic's images."""
        return self.root / "comics" / str(UUID(str(comic_id)))

    async def save_panel(self, comic_id: UUID, panel_id: int, data: bytes, info: ImageInfo) -> str:
        """Store a panel image; returns its path relative to DATA_DIR (POSIX)."""
        path = self.comic_folder(comic_id) / f"panel-{int(panel_id)}.{info.extension}"
        await asyncio.to_thread(atomic_write_bytes, path, data)
        return path.relative_to(self.data_dir).as_posix()

    async def locate(self, relative: str) -> Path:
        """`resolve`, off the event loop."""
        return await asyncio.to_thread(self.resolve, relative)

    def resolve(self, relative: str) -> Path:
        """The absolute file for a stored relative path, refusing anything outside the images folder.

        Symlinks are resolved first, so a link pointing out of DATA_DIR is refused too.
        """
        parts = PurePosixPath(relative).parts
        if not parts or PurePosixPath(relative).is_absolute() or ".." in parts or "\\" in relative:
            raise MediaNotFound("no such file")
        candidate = (self.data_dir / Path(*parts)).resolve()
        if not candidate.is_relative_to(self.root.resolve()) or not candidate.is_file():
            raise MediaNotFound("no such file")
        return candidate

    async def delete_comic(self, comic_id: UUID) -> None:
        """Remove every image of one comic."""
        await asyncio.to_thread(shutil.rmtree, self.comic_folder(comic_id), True)

    def _usage(self) -> tuple[int, int]:
        count = size = 0
        for path in self.root.rglob("*"):
            try:
                if path.is_file() and not path.name.startswith("."):
                    size += path.stat().st_size
                    count += 1
            except FileNotFoundError:  # deleted while we were counting
                continue
        return count, size

    async def usage(self) -> tuple[int, int]:
        """How many image files there are and how many bytes they take."""
        return await asyncio.to_thread(self._usage)
