"""v2.0's documented Python use of the export, kept working from a plain synchronous session:

    from app.storage.data_manager import DataManager
    dm = DataManager("data")
    export_data = dm.export_comic_data(comic_id)   # or dm.export_all_data()

The methods belong to the DataManager, which is storage, and storage never imports the export (see
tests/test_layers.py). So the DataManager declares them and delegates to its `table_export`, and
this module, which may import both, is what the package root installs there (app/__init__.py):
importing anything under `app` wires it before the caller's first line runs.
"""

from __future__ import annotations

from uuid import UUID

from app.errors import ComicNotFound
from app.export.tables import DEFAULT_BUCKET, ExportTables, comic_tables, store_tables
from app.storage.data_manager import DataManager


class V2TableExport:
    """The export's tables for `DataManager.export_all_data` and `export_comic_data` (read in the calling thread)."""

    def all_data(self, data: DataManager, bucket: str | None) -> ExportTables:
        """Every job, finished comic and library character."""
        return store_tables(data, bucket or DEFAULT_BUCKET)

    def comic_data(self, data: DataManager, comic_id: UUID | str, bucket: str | None) -> ExportTables:
        """One finished comic; its id as a UUID or as text, in any case. Raises ComicNotFound."""
        try:
            canonical = UUID(str(comic_id))
        except ValueError:
            raise ComicNotFound(f"no comic with id {comic_id!r}") from None
        return comic_tables(data, canonical, bucket or DEFAULT_BUCKET)


def install() -> None:
    """Make every DataManager answer v2.0's export calls."""
    DataManager.table_export = V2TableExport()
