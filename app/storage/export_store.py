"""Finished exports under DATA_DIR/exports/<export_id>/, one folder each, named by a UUID."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from uuid import UUID

from app.errors import ExportNotFound

# Written last, inside a folder that is renamed into place when complete: its presence means done.
_MANIFEST = "manifest.json"


class ExportStore:
    """Where exports are written and found again."""

    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir.resolve() / "exports"

    def folder_for(self, export_id: UUID) -> Path:
        """The folder of one export (it may not exist yet)."""
        return self.root / str(UUID(str(export_id)))

    def _locate(self, export_id: UUID) -> Path:
        folder = self.folder_for(export_id)
        if not (folder / _MANIFEST).is_file():
            raise ExportNotFound(f"no export with id {export_id}")
        return folder

    async def locate(self, export_id: UUID) -> Path:
        """The folder of a complete export; raises ExportNotFound."""
        return await asyncio.to_thread(self._locate, export_id)

    async def manifests(self) -> list[Path]:
        """The manifest file of every complete export (half-written ones have none yet)."""
        return await asyncio.to_thread(self._manifests)

    def _manifests(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return [folder / _MANIFEST for folder in self.root.iterdir() if _is_export(folder)]

    async def delete(self, export_id: UUID) -> None:
        """Remove a complete export and its files; raises ExportNotFound."""
        await asyncio.to_thread(lambda: shutil.rmtree(self._locate(export_id)))


def _is_export(folder: Path) -> bool:
    try:
        UUID(folder.name)
    except ValueError:
        return False  # a folder being written (renamed into place when complete), or not ours
    return not folder.is_symlink() and (folder / _MANIFEST).is_file()
