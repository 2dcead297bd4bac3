"""The character references' records (in the document store) and their pictures (in the image store).

The pictures go through the image store, a folder or a bucket (`images/characters/<type>/<style>.v<k>.<ext>`),
so they are counted with every other image and served by `/media`; the record of each character lists them.
"""

from __future__ import annotations

from collections.abc import Callable

from app.models.references import CharacterReferences
from app.storage.documents import ReferenceRecords
from app.storage.image_store import ImageInfo
from app.storage.images import Images


class ReferenceStore:
    """Reads and changes the reference records; stores and reads their pictures."""

    def __init__(self, records: ReferenceRecords, images: Images) -> None:
        self.records = records
        self._images = images

    async def get(self, character_type: str) -> CharacterReferences:
        """The character's references; an empty record when it has none yet."""
        return await self.records.get(character_type)

    async def all(self) -> list[CharacterReferences]:
        """Every character's references (unreadable records are logged and skipped)."""
        return await self.records.all()

    async def update(self, character_type: str, change: Callable[[CharacterReferences], None]) -> CharacterReferences:
        """Change a character's record under its lock (created when missing); `change` may raise to abort."""
        return await self.records.update(character_type, change)

    async def save_picture(self, character_type: str, style: str, version: int, data: bytes, info: ImageInfo) -> str:
        """Store a checked reference picture; returns its path relative to DATA_DIR."""
        return await self._images.save_reference(character_type, style, version, data, info)

    async def read_picture(self, relative: str) -> bytes:
        """The bytes of a stored reference picture."""
        return await self._images.read(relative)
