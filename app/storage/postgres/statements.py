"""SQL built from the tables of `relational/schema.py`, so a column added there reaches every statement.

Table and column names come from that module, never from input; values always travel as parameters.
"""

from __future__ import annotations

from typing import Any

from psycopg.types.json import Jsonb

from app.storage.relational.rows import Row
from app.storage.relational.schema import ColumnType, Table


def columns(table: Table) -> str:
    """The table's columns, for a SELECT."""
    return ", ".join(table.column_names)


def params(table: Table, row: Row) -> dict[str, Any]:
    """A row's values as parameters: jsonb values wrapped, since a list would otherwise become an array."""
    return {
        name: Jsonb(row[name]) if kind is ColumnType.JSONB and row[name] is not None else row[name]
        for name, kind in table.columns
    }


def insert(table: Table, *, on_conflict: str = "", values: dict[str, str] | None = None) -> str:
    """INSERT of one row; `values` replaces a column's placeholder with an expression (same parameters)."""
    values = values or {}
    placeholders = ", ".join(values.get(name, f"%({name})s") for name in table.column_names)
    return f"INSERT INTO {table.name} ({columns(table)}) VALUES ({placeholders}) {on_conflict}".strip()


def upsert(table: Table, *, values: dict[str, str] | None = None) -> str:
    """INSERT that replaces every column of an existing row with the same key."""
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in table.column_names if name != table.key)
    return insert(table, on_conflict=f"ON CONFLICT ({table.key}) DO UPDATE SET {updates}", values=values)


def update(table: Table) -> str:
    """UPDATE of every column of the row with the key `%(<key>)s`."""
    names = [name for name in table.column_names if name != table.key]
    targets = ", ".join(names)
    placeholders = ", ".join(f"%({name})s" for name in names)
    return f"UPDATE {table.name} SET ({targets}) = ({placeholders}) WHERE {table.key} = %({table.key})s"


def select(table: Table, where: str = "", *, for_update: bool = False) -> str:
    """SELECT of every column, optionally filtered and locked."""
    text = f"SELECT {columns(table)} FROM {table.name}"
    if where:
        text += f" WHERE {where}"
    return text + (" FOR UPDATE" if for_update else "")
