"""Exports made through the API: written under DATA_DIR/exports/<export_id>/ and downloaded as a zip."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID, uuid4

from pydantic import ValidationError

from app.export.archive import iter_zip
from app.export.bundle import write_bundle
from app.models.export import ExportManifest
from app.storage.data_manager import DataManager
from app.storage.relational.tables import comic_tables, store_tables

log = logging.getLogger(__name__)


class ExportService:
    """Writes exports of the store (or of one comic) and serves them back."""

    def __init__(self, data: DataManager, bucket: str) -> None:
        self._data = data
        self._bucket = bucket

    async def create(self, comic_id: UUID | None = None) -> ExportManifest:
        """Export everything, or one finished comic; raises ComicNotFound for an unknown comic."""
        if comic_id is None:
            tables = await asyncio.to_thread(store_tables, self._data, self._bucket)
        else:
            tables = await asyncio.to_thread(comic_tables, self._data, comic_id, self._bucket)
        export_id = uuid4()
        folder = self._data.exports.folder_for(export_id)
        return await asyncio.to_thread(
            write_bundle, tables, folder, bucket=self._bucket, comic_id=comic_id, export_id=export_id
        )

    async def archive(self, export_id: UUID) -> Iterator[bytes]:
        """The zip of a finished export, in chunks (blocking reads: iterate it in a thread); raises ExportNotFound."""
        folder = await self._data.exports.locate(export_id)
        return iter_zip(folder, f"fable-tales-export-{export_id}")

    async def kept(self) -> list[ExportManifest]:
        """The manifests of the exports kept under the data folder, newest first."""
        manifests = await asyncio.to_thread(_read_all, await self._data.exports.manifests())
        return sorted(manifests, key=lambda m: m.exported_at, reverse=True)

    async def delete(self, export_id: UUID) -> None:
        """Remove an export and its files; raises ExportNotFound."""
        await self._data.exports.delete(export_id)
        log.info("export %s deleted", export_id)


def _read_all(paths: list[Path]) -> list[ExportManifest]:
    manifests = []
    for path in paths:
        try:
            manifests.append(ExportManifest.model_validate_json(path.read_bytes()))
        except (OSError, ValidationError) as exc:  # damaged by hand: left out, never a failed listing
            log.warning("export manifest %s cannot be read: %s", path, exc)
    return manifests
