"""The export's manifest (written as manifest.json and answered by the API) and its request body."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

FORMAT = "fable-tales-export"


class ExportRequest(BaseModel):
    """What to export: one finished comic, or everything when `comic_id` is left out."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{}, {"comic_id": None}]})
    comic_id: UUID | None = Field(default=None, description="a finished comic's id; omit to export the whole store")


class ExportedFile(BaseModel):
    """One file of the export folder."""

    path: str = Field(description="relative to the export folder, with `/` separators")
    bytes: int
    sha256: str


class ExportManifest(BaseModel):
    """What an export holds: row counts, every file with its size and hash, and what was left out."""

    format: str = FORMAT
    schema_version: int
    export_id: UUID
    exported_at: datetime
    comic_id: UUID | None = Field(description="the comic exported, or null for the whole store")
    bucket: str = Field(description="the Supabase Storage bucket the images belong in", examples=["comics"])
    tables: dict[str, int] = Field(
        description="rows per table, in load order",
        examples=[{"jobs": 2, "comics": 1, "scenes": 6, "panels": 6, "images": 6, "characters": 8}],
    )
    files: list[ExportedFile]
    problems: list[str] = Field(default_factory=list, description="records left out and why; empty when all is well")


class ExportSummary(BaseModel):
    """One export kept under the data folder."""

    export_id: UUID
    exported_at: datetime
    comic_id: UUID | None = Field(description="the comic exported, or null for the whole store")
    tables: dict[str, int] = Field(description="rows per table", examples=[{"jobs": 2, "comics": 1, "panels": 6}])
    bytes: int = Field(description="the size of its files together")
    download_url: str = Field(examples=["/api/v1/export/0b7e7a43-3c1e-4d0c-9a53-2f7f3b8c1d2e.zip"])


class ExportList(BaseModel):
    """The exports kept under the data folder, newest first."""

    exports: list[ExportSummary]
    total_bytes: int = Field(description="what they take on disk together")


class ExportCreated(ExportManifest):
    """A new export under the data folder: its manifest and where to download it."""

    download_url: str = Field(examples=["/api/v1/export/0b7e7a43-3c1e-4d0c-9a53-2f7f3b8c1d2e.zip"])
