"""The store's tables as Python sees them: names, columns and column types, in load order.

`schema.sql` (next to this module, read with importlib.resources) is the DDL a person reads, the
export writes and PostgreSQL runs; this module is what the SQL and CSV writers and the live
PostgreSQL store need to render and read values. `migrations/` builds the same schema step by step
for a live database (`migrations()`). Tests check that all three agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from importlib.resources import files

SCHEMA_VERSION = 2  # the number of the last migration; schema.sql is all of them


class ColumnType(StrEnum):
    """The PostgreSQL types the export uses; each is rendered its own way."""

    UUID = "uuid"
    TEXT = "text"
    INTEGER = "integer"
    BIGINT = "bigint"
    BOOLEAN = "boolean"
    JSONB = "jsonb"
    TEXT_ARRAY = "text[]"
    TIMESTAMPTZ = "timestamptz"


@dataclass(frozen=True)
class Table:
    """One table: its name, its conflict key and its columns (name, type) in order."""

    name: str
    key: str
    columns: tuple[tuple[str, ColumnType], ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        """The column names, in order."""
        return tuple(name for name, _ in self.columns)


_U, _T, _I, _B = ColumnType.UUID, ColumnType.TEXT, ColumnType.INTEGER, ColumnType.BIGINT
_J, _A, _TS = ColumnType.JSONB, ColumnType.TEXT_ARRAY, ColumnType.TIMESTAMPTZ

JOBS = Table(
    "jobs",
    "id",
    (
        ("id", _U),
        ("comic_id", _U),
        ("topic", _T),
        ("age_group", _T),
        ("status", _T),
        ("step", _T),
        ("progress", _I),
        ("error", _T),
        ("title", _T),
        ("style", _T),
        ("seed", _B),
        ("panel_count", _I),
        ("refine_rounds", _I),
        ("attempts", _I),
        ("providers", _J),
        ("data", _J),
        ("created_at", _TS),
        ("updated_at", _TS),
        ("completed_at", _TS),
    ),
)
COMICS = Table(
    "comics",
    "id",
    (
        ("id", _U),
        ("job_id", _U),
        ("topic", _T),
        ("age_group", _T),
        ("title", _T),
        ("style", _T),
        ("seed", _B),
        ("characters", _J),
        ("providers", _J),
        ("data", _J),
        ("created_at", _TS),
    ),
)
SCENES = Table(
    "scenes",
    "id",
    (
        ("id", _U),
        ("comic_id", _U),
        ("scene_id", _I),
        ("title", _T),
        ("description", _T),
        ("dialogue", _T),
        ("learning_point", _T),
        ("visual_elements", _A),
        ("data", _J),
    ),
)
PANELS = Table(
    "panels",
    "id",
    (
        ("id", _U),
        ("comic_id", _U),
        ("panel_id", _I),
        ("scene_id", _I),
        ("scene_uuid", _U),
        ("prompt", _T),
        ("seed", _B),
        ("provider", _T),
        ("source_url", _T),
        ("data", _J),
        ("created_at", _TS),
    ),
)
IMAGES = Table(
    "images",
    "id",
    (
        ("id", _U),
        ("panel_id", _U),
        ("comic_id", _U),
        ("bucket", _T),
        ("storage_path", _T),
        ("content_type", _T),
        ("width", _I),
        ("height", _I),
        ("size_bytes", _B),
        ("sha256", _T),
        ("created_at", _TS),
    ),
)
CHARACTERS = Table(
    "characters",
    "character_type",
    (
        ("character_type", _T),
        ("name", _T),
        ("description", _T),
        ("visual_tags", _A),
        ("age_group", _T),
        ("custom", ColumnType.BOOLEAN),
        ("data", _J),
        ("created_at", _TS),
    ),
)

# Added by migration 2 with the live store; exported since, so that a store moved up keeps its references.
CHARACTER_REFERENCES = Table(
    "character_references",
    "character_type",
    (("character_type", _T), ("styles", _J), ("data", _J), ("updated_at", _TS)),
)
# The ledger: schema.sql fills it, the live store's migrations add to it; it holds no records.
SCHEMA_MIGRATIONS = Table("schema_migrations", "version", (("version", _I), ("applied_at", _TS)))

# The tables that hold records, parents before children: loading in this order never breaks a foreign key.
TABLES: tuple[Table, ...] = (JOBS, COMICS, SCENES, PANELS, IMAGES, CHARACTERS, CHARACTER_REFERENCES)
ALL_TABLES: tuple[Table, ...] = (*TABLES, SCHEMA_MIGRATIONS)

_MIGRATION_NAME = re.compile(r"(\d{3})_[a-z0-9_]+\.sql")


def schema_sql() -> str:
    """The text of schema.sql."""
    return files("app.storage.relational").joinpath("schema.sql").read_text(encoding="utf-8")


def migrations() -> list[tuple[int, str]]:
    """(version, SQL) of every migration, in order; numbered 1, 2, ... with no gap (a gap is a packaging bug)."""
    found = []
    for entry in files("app.storage.relational").joinpath("migrations").iterdir():
        if match := _MIGRATION_NAME.fullmatch(entry.name):
            found.append((int(match.group(1)), entry.read_text(encoding="utf-8")))
    found.sort()
    if [version for version, _ in found] != list(range(1, SCHEMA_VERSION + 1)):
        raise RuntimeError(f"migrations {[v for v, _ in found]} do not run 1..{SCHEMA_VERSION}")
    return found
