"""schema.sql + data.sql loaded with the real `psql -f` (from pgserver's PostgreSQL 16) into an empty database.

This is what the README tells a user to run; here it runs against a store with several comics,
one full of hostile text, unfinished and failed jobs, and a custom character.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import psycopg
import pytest

from app.export.bundle import write_bundle
from app.models.export import ExportManifest
from app.models.states import JobStatus
from app.storage.data_manager import DataManager
from app.storage.relational.rows import image_id
from app.storage.relational.schema import ALL_TABLES, TABLES, ColumnType
from app.storage.relational.tables import ExportTables, store_tables
from tests.utils.postgres import as_dicts, psql, table_rows
from tests.utils.stores import HOSTILE, build_store, table_counts

_PG_TYPES = {ColumnType.TIMESTAMPTZ: "timestamp with time zone"}
_NULLABLE = {
    ("jobs", "error"), ("jobs", "title"), ("jobs", "style"), ("jobs", "completed_at"), ("comics", "job_id"),
    ("panels", "seed"), ("panels", "source_url"), ("characters", "created_at"),
}  # fmt: skip
_FOREIGN_KEYS = {
    ("comics", "job_id", "jobs"),
    ("scenes", "comic_id", "comics"),
    ("panels", "comic_id", "comics"),
    ("panels", "scene_uuid", "scenes"),
    ("images", "panel_id", "panels"),
    ("images", "comic_id", "comics"),
}


@pytest.fixture
def export(tmp_path: Path) -> tuple[Path, ExportManifest, ExportTables]:
    """A store with every kind of record, exported to a folder."""
    data_dir = tmp_path / "data"
    build_store(data_dir)
    tables = store_tables(DataManager(data_dir))
    out = tmp_path / "export"
    return out, write_bundle(tables, out, bucket="comics"), tables


def _load(url: str, out: Path) -> None:
    psql(url, out / "schema.sql", out / "data.sql")


def test_psql_loads_it_and_the_counts_match_the_manifest(database: str, export: tuple) -> None:
    out, manifest, _ = export
    assert manifest.tables == table_counts(5, 3, 15, 9)
    assert manifest.problems == []
    _load(database, out)
    with psycopg.connect(database) as conn:
        for table in TABLES:
            assert conn.execute(f"SELECT count(*) FROM {table.name}").fetchone() == (manifest.tables[table.name],)


def test_the_loaded_rows_are_exactly_the_exported_ones_hostile_text_included(database: str, export: tuple) -> None:
    out, _, tables = export
    _load(database, out)
    loaded = as_dicts(database)
    for table in TABLES:
        expected = {row[table.key]: row for row in tables[table.name]}
        assert loaded[table.name] == expected, table.name
    # Spot checks on the values most likely to be mangled on the way.
    with psycopg.connect(database) as conn:
        titles = [t for (t,) in conn.execute("SELECT title FROM comics")]
        assert f"The Lesson{HOSTILE}" in titles
        hostile_scene = conn.execute(
            "SELECT dialogue, visual_elements FROM scenes WHERE title = %s", (f"Scene 1{HOSTILE}",)
        )
        dialogue, elements = hostile_scene.fetchone()
        assert dialogue == f'Mia: "Scene 1!"{HOSTILE}'
        assert elements[:3] == ["NULL", "", "  padded  "]
        assert conn.execute("SELECT count(*) FROM scenes WHERE dialogue = ''").fetchone() == (3,)  # not NULL
        assert conn.execute("SELECT count(*) FROM jobs WHERE error IS NULL").fetchone() == (4,)
        assert conn.execute(
            "SELECT data->'scenes'->0->>'title' FROM jobs WHERE topic = %s", (f"be kind{HOSTILE}",)
        ).fetchone() == (f"Scene 1{HOSTILE}",)


def test_every_foreign_key_is_declared_indexed_and_holds(database: str, export: tuple) -> None:
    out, _, tables = export
    _load(database, out)
    with psycopg.connect(database) as conn:
        declared = set(
            conn.execute(
                """SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text
                   FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
                   WHERE c.contype = 'f'"""
            ).fetchall()
        )
        assert declared == _FOREIGN_KEYS
        for child, column, parent in _FOREIGN_KEYS:
            indexed = conn.execute(
                """SELECT count(*) FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid
                   AND a.attnum = i.indkey[0] WHERE i.indrelid = %s::regclass AND a.attname = %s""",
                (child, column),
            ).fetchone()[0]
            assert indexed, f"{child}.{column} has no index"
            orphans = conn.execute(
                f"SELECT count(*) FROM {child} c LEFT JOIN {parent} p ON p.id = c.{column} "
                f"WHERE c.{column} IS NOT NULL AND p.id IS NULL"
            ).fetchone()[0]
            assert orphans == 0, f"{child}.{column}"
        # The numbers agree with the uuids they sit next to.
        assert conn.execute(
            "SELECT count(*) FROM panels p JOIN scenes s ON s.id = p.scene_uuid "
            "WHERE s.scene_id <> p.scene_id OR s.comic_id <> p.comic_id"
        ).fetchone() == (0,)
        assert conn.execute(
            "SELECT count(*) FROM images i JOIN panels p ON p.id = i.panel_id WHERE i.comic_id <> p.comic_id"
        ).fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM comics WHERE job_id IS NULL").fetchone() == (0,)
    assert all(row["id"] == image_id(row["panel_id"]) for row in tables["images"])


def test_column_types_and_nullability_are_the_documented_ones(database: str, export: tuple) -> None:
    # schema.sql and schema.py describe the same tables, the live store's own ones included.
    out, _, _ = export
    _load(database, out)
    with psycopg.connect(database) as conn:
        assert conn.execute(
            "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'"
        ).fetchone() == (len(ALL_TABLES),)
        for table in ALL_TABLES:
            found = conn.execute(
                """SELECT attname, format_type(atttypid, atttypmod), attnotnull FROM pg_attribute
                   WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum""",
                (table.name,),
            ).fetchall()
            expected = [
                (name, _PG_TYPES.get(kind, kind.value), (table.name, name) not in _NULLABLE)
                for name, kind in table.columns
            ]
            assert found == expected, table.name
        uniques = {name for (name,) in conn.execute("SELECT conname FROM pg_constraint WHERE contype = 'u'").fetchall()}
        assert {"scenes_comic_scene_key", "panels_comic_panel_key", "images_panel_id_key"} <= uniques


def test_a_second_load_changes_nothing(database: str, export: tuple) -> None:
    out, _, _ = export
    _load(database, out)
    before = table_rows(database, with_xmin=True)
    _load(database, out)
    # Same rows, and not even rewritten: xmin (the writing transaction) is unchanged.
    assert table_rows(database, with_xmin=True) == before


def test_a_newer_export_updates_rows_in_place(database: str, export: tuple, tmp_path: Path) -> None:
    out, _, _ = export
    _load(database, out)
    data = DataManager(tmp_path / "data")

    async def finish_failed_job() -> Any:
        jobs = await data.jobs.all()
        failed = next(job for job in jobs if job.error)

        def fix(job: Any) -> None:
            job.error = None
            job.status = JobStatus.REQUIRES_ACTION

        await data.update_job(failed.id, fix)
        return failed.id, await asyncio.to_thread(store_tables, data)

    job_id, tables = asyncio.run(finish_failed_job())
    newer = tmp_path / "newer"
    write_bundle(tables, newer, bucket="comics")
    before = table_rows(database)
    _load(database, newer)
    after = table_rows(database)
    assert {name: len(rows) for name, rows in after.items()} == {name: len(rows) for name, rows in before.items()}
    with psycopg.connect(database) as conn:
        assert conn.execute("SELECT status, error FROM jobs WHERE id = %s", (job_id,)).fetchone() == (
            "requires_action",
            None,
        )
    assert after["comics"] == before["comics"]
