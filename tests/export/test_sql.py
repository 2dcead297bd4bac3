"""Literal quoting in data.sql and field quoting in the CSVs, checked against what PostgreSQL reads back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

import psycopg
import pytest

from app.export.csv_writer import field_text
from app.export.sql import literal, upsert_statement
from app.storage.relational.schema import ALL_TABLES, CHARACTERS, SCHEMA_VERSION, ColumnType, schema_sql
from tests.utils.stores import HOSTILE, HOSTILE_LIST

_VALUES: list[tuple[object, ColumnType]] = [
    (HOSTILE, ColumnType.TEXT),
    ("", ColumnType.TEXT),
    ("'", ColumnType.TEXT),
    ("\\", ColumnType.TEXT),
    (None, ColumnType.TEXT),
    (HOSTILE_LIST, ColumnType.TEXT_ARRAY),
    ([], ColumnType.TEXT_ARRAY),
    ({"quote": HOSTILE, "list": HOSTILE_LIST, "n": 1, "null": None, HOSTILE: True}, ColumnType.JSONB),
    ([], ColumnType.JSONB),
    (UUID("6b9b4e02-6a77-4a72-ae6e-b6e194b81eff"), ColumnType.UUID),
    (datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC), ColumnType.TIMESTAMPTZ),
    (datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=-9, minutes=-30))), ColumnType.TIMESTAMPTZ),
    (2**40, ColumnType.BIGINT),
    (-3, ColumnType.INTEGER),
    (True, ColumnType.BOOLEAN),
    (False, ColumnType.BOOLEAN),
]


def test_literals_read_back_as_the_same_values(database: str) -> None:
    with psycopg.connect(database) as conn:
        for value, kind in _VALUES:
            (back,) = conn.execute(f"SELECT {literal(value, kind)}").fetchone()
            assert back == value, (kind, value)
            assert conn.execute(f"SELECT pg_typeof({literal(value, kind)})::text").fetchone()[0] in (
                kind.value if kind is not ColumnType.TIMESTAMPTZ else "timestamp with time zone",
                "unknown",  # a bare NULL
            )


def test_csv_fields_read_back_as_the_same_values(database: str) -> None:
    with psycopg.connect(database) as conn:
        for n, (value, kind) in enumerate(_VALUES):
            conn.execute(f"CREATE TEMP TABLE t{n} (v {kind.value})")
            with conn.cursor().copy(f"COPY t{n} (v) FROM STDIN (FORMAT csv)") as copy:
                copy.write((field_text(value, kind) + "\n").encode())
            assert conn.execute(f"SELECT v FROM t{n}").fetchone() == (value,), (kind, value)


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        ("it's", ColumnType.TEXT, "'it''s'"),
        ("a\\b\nc", ColumnType.TEXT, "'a\\b\nc'"),
        ([], ColumnType.TEXT_ARRAY, "'{}'::text[]"),
        (["NULL", "x"], ColumnType.TEXT_ARRAY, "ARRAY['NULL', 'x']::text[]"),
        (None, ColumnType.JSONB, "NULL"),
        ({"a": "é'"}, ColumnType.JSONB, "'{\"a\":\"é''\"}'::jsonb"),
    ],
)
def test_literal_shapes(value: object, kind: ColumnType, expected: str) -> None:
    assert literal(value, kind) == expected


def test_csv_field_shapes() -> None:
    assert field_text(None, ColumnType.TEXT) == ""
    assert field_text("", ColumnType.TEXT) == '""'
    assert field_text(["NULL", 'q"', "b\\"], ColumnType.TEXT_ARRAY) == '"{""NULL"",""q\\"""",""b\\\\""}"'


def test_upsert_skips_identical_rows() -> None:
    statement = upsert_statement(CHARACTERS, [])
    assert "ON CONFLICT (character_type) DO UPDATE SET name = EXCLUDED.name" in statement
    assert "WHERE (characters.name, " in statement
    assert "IS DISTINCT FROM (EXCLUDED.name, " in statement


def test_schema_file_names_its_version_and_every_table() -> None:
    text = schema_sql()
    assert f"schema, version {SCHEMA_VERSION}." in text
    for table in ALL_TABLES:
        assert f"CREATE TABLE IF NOT EXISTS {table.name} (" in text
