"""One CSV per table, in the format `COPY ... FROM ... (FORMAT csv, HEADER true)` and Supabase's table import read.

NULL is an empty, unquoted field; every other value is quoted, so an empty string stays an empty
string. Arrays are PostgreSQL array literals with every element quoted (an unquoted NULL element
would mean NULL), JSON is compact JSON, timestamps are ISO 8601 with their offset.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from app.export.sql import json_text
from app.storage.relational.schema import TABLES, ColumnType, Table
from app.storage.relational.tables import ExportTables


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _array_element(item: str) -> str:
    return '"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"'


def field_text(value: Any, kind: ColumnType) -> str:
    """One CSV field for `value` of column type `kind`."""
    if value is None:
        return ""
    if kind is ColumnType.BOOLEAN:
        text = "true" if value else "false"
    elif kind is ColumnType.JSONB:
        text = json_text(value)
    elif kind is ColumnType.TEXT_ARRAY:
        text = "{" + ",".join(_array_element(item) for item in value) + "}"
    elif kind is ColumnType.TIMESTAMPTZ:
        assert isinstance(value, datetime)
        text = value.isoformat()
    else:
        text = str(value)
    return _quote(text)


def table_csv(table: Table, rows: list[dict[str, Any]]) -> str:
    """The CSV text of one table: a header line, then one record per row."""
    lines = [",".join(table.column_names)]
    lines.extend(",".join(field_text(row[name], kind) for name, kind in table.columns) for row in rows)
    return "\n".join(lines) + "\n"


def write_csv_files(tables: ExportTables, folder: Path) -> list[Path]:
    """Write `<table>.csv` for every table into `folder`; returns the files in load order."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table in TABLES:
        path = folder / f"{table.name}.csv"
        path.write_text(table_csv(table, tables[table.name]), encoding="utf-8", newline="")
        written.append(path)
    return written
