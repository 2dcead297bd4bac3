"""The versioned schema: the migrations build what schema.sql builds, and applying them is safe to repeat,
to run from two connections at once, and refuses a database newer than the code."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
import pytest

from app.errors import StorageUnavailable
from app.storage.postgres.connect import connect
from app.storage.postgres.migrate import migrate, schema_version
from app.storage.relational.schema import SCHEMA_VERSION, schema_sql
from tests.utils.postgres import PostgresServer

pytestmark = pytest.mark.anyio

# Everything about a table that a query or a write depends on, read from the catalog.
_CATALOG = {
    "columns": """SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
                  WHERE table_schema = 'public' ORDER BY 1, 2""",
    "indexes": "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
    "constraints": """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
                      WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2""",
    "row security": "SELECT relname, relrowsecurity FROM pg_class WHERE relnamespace = 'public'::regnamespace"
    " AND relkind = 'r' ORDER BY 1",
    "ledger": "SELECT version FROM schema_migrations ORDER BY 1",
}


def _catalog(url: str) -> dict[str, list[Any]]:
    with psycopg.connect(url) as conn:
        return {name: conn.execute(query).fetchall() for name, query in _CATALOG.items()}


async def _migrate(url: str) -> int:
    conn = await connect(url)
    try:
        return await migrate(conn)
    finally:
        await conn.close()


async def test_the_migrations_build_exactly_what_schema_sql_builds(postgres: PostgresServer, database: str) -> None:
    with postgres.database() as from_file:
        with psycopg.connect(from_file, autocommit=True) as conn:
            conn.execute(schema_sql())
        assert await _migrate(database) == SCHEMA_VERSION
        assert _catalog(database) == _catalog(from_file)
        # A database loaded from an export (schema.sql) is already up to date: nothing runs again.
        assert await _migrate(from_file) == SCHEMA_VERSION


async def test_applying_again_changes_nothing(database: str) -> None:
    await _migrate(database)
    before = _catalog(database)
    assert await _migrate(database) == SCHEMA_VERSION
    assert _catalog(database) == before
    assert before["ledger"] == [(version,) for version in range(1, SCHEMA_VERSION + 1)]


async def test_two_processes_starting_at_once_take_turns(database: str) -> None:
    # Two connections, as two instances would have: without the advisory lock the second one's
    # CREATE TABLE IF NOT EXISTS races the first's and fails on a duplicate type.
    assert await asyncio.gather(*(_migrate(database) for _ in range(4))) == [SCHEMA_VERSION] * 4
    assert _catalog(database)["ledger"] == [(version,) for version in range(1, SCHEMA_VERSION + 1)]


async def test_an_older_database_gets_only_the_migrations_it_lacks(database: str) -> None:
    await _migrate(database)
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute("DROP TABLE character_references")
        conn.execute("DELETE FROM schema_migrations WHERE version = 2")
    assert await _migrate(database) == SCHEMA_VERSION
    with psycopg.connect(database) as conn:
        assert conn.execute("SELECT to_regclass('character_references') IS NOT NULL").fetchone() == (True,)


async def test_a_database_newer_than_the_code_is_refused(database: str) -> None:
    await _migrate(database)
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (SCHEMA_VERSION + 1,))
    with pytest.raises(StorageUnavailable, match=f"schema version {SCHEMA_VERSION + 1}, newer than"):
        await _migrate(database)
    conn = await connect(database)
    try:
        assert await schema_version(conn) == SCHEMA_VERSION + 1
    finally:
        await conn.close()
