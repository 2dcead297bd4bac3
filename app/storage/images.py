"""What every image store offers (the images folder, a bucket): the door the services go through.

Stored images are named by their path relative to DATA_DIR (`image_keys.stored_path`), never by a
file, so nothing above storage knows where the bytes are.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol
from uuid import UUID

if TYPE_CHECKING:
    from app.storage.health import PlaceCheck
    from app.storage.image_store import ImageInfo


@dataclass
class StoredMedia:
    """A stored image or PDF on its way out: what it is, how long, and its bytes in chunks."""

    content_type: str
    size: int
    chunks: AsyncIterator[bytes]


class Images(Protocol):
    """Panels, their versions, the finished files and the characters' reference pictures."""

    async def save_panel(self, comic_id: UUID, panel_id: int, data: bytes, info: ImageInfo) -> str: ...

    async def save_panel_version(
        self, comic_id: UUID, panel_id: int, version: int, data: bytes, info: ImageInfo
    ) -> str: ...

    async def save_reference(
        self, character_type: str, style: str, version: int, data: bytes, info: ImageInfo
    ) -> str: ...

    def finished_path(self, comic_id: UUID, name: str) -> str: ...

    async def save_finished(self, comic_id: UUID, name: str, data: bytes) -> str: ...

    async def delete_finished(self, comic_id: UUID, name: str) -> None: ...

    async def read(self, relative: str) -> bytes: ...

    async def exists(self, relative: str) -> bool: ...

    async def media(self, relative: str) -> StoredMedia: ...

    async def has_comic(self, comic_id: UUID) -> bool: ...

    async def delete_comic(self, comic_id: UUID) -> None: ...

    async def count(self) -> None: ...

    async def usage(self) -> tuple[int, int]: ...

    async def panel_usage(self) -> tuple[int, int]: ...

    async def health(self) -> PlaceCheck: ...

    async def aclose(self) -> None: ...
