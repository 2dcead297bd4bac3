"""data.sql: the rows as idempotent INSERT statements in one transaction, with exact literal quoting.

Literals are written for `standard_conforming_strings = on` (set at the top of the file, and the
default since PostgreSQL 9.1): inside '...' only the quote itself is special and is doubled, so
backslashes, newlines and any Unicode pass through unchanged. Every value carries an explicit cast.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any, TextIO

from app.storage.relational.schema import SCHEMA_VERSION, TABLES, ColumnType, Table
from app.storage.relational.tables import ExportTables, Row

# Rows per INSERT: big enough to load fast, small enough that an error message stays readable.
_BATCH = 500
_HEADER = f"""\
-- Fable Tales export data (schema version {SCHEMA_VERSION}). Load schema.sql first.
-- Loading it again changes nothing: rows are upserted by primary key, and a row whose values
-- are all the same is not written at all. Rows are never deleted.
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
"""


def quote_text(value: str) -> str:
    """A standard SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def json_text(value: Any) -> str:
    """Compact JSON that keeps non-ASCII characters as they are."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def literal(value: Any, kind: ColumnType) -> str:
    """`value` as an SQL literal of column type `kind`."""
    if value is None:
        return "NULL"
    if kind in (ColumnType.INTEGER, ColumnType.BIGINT):
        return str(int(value))
    if kind is ColumnType.BOOLEAN:
        return "TRUE" if value else "FALSE"
    if kind is ColumnType.TEXT:
        return quote_text(value)
    if kind is ColumnType.UUID:
        return f"'{value}'::uuid"
    if kind is ColumnType.TIMESTAMPTZ:
        assert isinstance(value, datetime)
        return f"'{value.isoformat()}'::timestamptz"
    if kind is ColumnType.JSONB:
        return quote_text(json_text(value)) + "::jsonb"
    if kind is ColumnType.TEXT_ARRAY:
        if not value:
            return "'{}'::text[]"
        return "ARRAY[" + ", ".join(quote_text(item) for item in value) + "]::text[]"
    raise ValueError(f"no literal for column type {kind}")


def upsert_statement(table: Table, rows: list[Row]) -> str:
    """One INSERT of `rows` that updates rows with the same key and skips identical ones."""
    names = table.column_names
    values = ",\n".join(
        "  (" + ", ".join(literal(row[name], kind) for name, kind in table.columns) + ")" for row in rows
    )
    others = [name for name in names if name != table.key]
    assignments = ", ".join(f"{name} = EXCLUDED.{name}" for name in others)
    current = ", ".join(f"{table.name}.{name}" for name in others)
    incoming = ", ".join(f"EXCLUDED.{name}" for name in others)
    return (
        f"INSERT INTO {table.name} ({', '.join(names)}) VALUES\n{values}\n"
        f"ON CONFLICT ({table.key}) DO UPDATE SET {assignments}\n"
        f"WHERE ({current}) IS DISTINCT FROM ({incoming});\n"
    )


def data_statements(tables: ExportTables) -> Iterator[str]:
    """The INSERT statements for every table, parents first, in batches."""
    for table in TABLES:
        rows = tables[table.name]
        for start in range(0, len(rows), _BATCH):
            yield upsert_statement(table, rows[start : start + _BATCH])


def write_data_sql(tables: ExportTables, out: TextIO) -> None:
    """Write data.sql: settings, then every statement inside one transaction."""
    out.write(_HEADER)
    out.write("BEGIN;\n")
    for statement in data_statements(tables):
        out.write(statement)
    out.write("COMMIT;\n")
