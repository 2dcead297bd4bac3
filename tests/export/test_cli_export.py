"""`python main.py export` as a user runs it: a subprocess in the repo root, its own data folder, a real PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg

from app.storage.data_manager import DataManager
from app.storage.relational.schema import TABLES
from app.storage.relational.tables import store_tables
from tests.utils.postgres import as_dicts, psql, table_rows
from tests.utils.server import free_port, run_export
from tests.utils.stores import build_store


def test_out_writes_a_folder_that_psql_loads(data_dir: Path, tmp_path: Path, database: str) -> None:
    build_store(data_dir)
    out = tmp_path / "x"
    result = run_export(data_dir, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "rows: jobs 5, comics 3, scenes 15, panels 15, images 15, characters 9" in result.stdout
    assert f"folder: {out.resolve()}" in result.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted(p.name for p in out.iterdir()) == ["csv", "data.sql", "manifest.json", "schema.sql", "storage"]
    assert len(list((out / "storage" / "comics" / "comics").glob("*/panel-*.png"))) == 15

    psql(database, out / "schema.sql", out / "data.sql")
    with psycopg.connect(database) as conn:
        for table in TABLES:
            assert conn.execute(f"SELECT count(*) FROM {table.name}").fetchone() == (manifest["tables"][table.name],)

    # Again into the same folder: the earlier export is replaced whole, with the very same rows
    # (no id, and nothing else in data.sql, changes between runs).
    data_sql = (out / "data.sql").read_bytes()
    again = run_export(data_dir, "--out", str(out))
    assert again.returncode == 0, again.stderr
    assert json.loads((out / "manifest.json").read_text())["export_id"] != manifest["export_id"]
    assert (out / "data.sql").read_bytes() == data_sql
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "x"]  # no partial or retired folder left


def test_out_refuses_a_folder_with_other_files(data_dir: Path, tmp_path: Path) -> None:
    build_store(data_dir)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    result = run_export(data_dir, "--out", str(tmp_path / "mine"))
    assert result.returncode == 1
    assert "is not empty and holds no earlier export" in result.stderr
    assert "Traceback" not in result.stderr
    assert [p.name for p in (tmp_path / "mine").iterdir()] == ["notes.txt"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no partial folder left


def test_database_url_applies_everything_and_a_second_run_changes_nothing(data_dir: Path, database: str) -> None:
    build_store(data_dir)
    result = run_export(data_dir, "--database-url", database)
    assert result.returncode == 0, result.stderr
    assert "now holds jobs 5, comics 3, scenes 15, panels 15, images 15, characters 9" in result.stdout
    tables = store_tables(DataManager(data_dir))
    loaded = as_dicts(database)
    for table in TABLES:
        assert loaded[table.name] == {row[table.key]: row for row in tables[table.name]}, table.name

    before = table_rows(database, with_xmin=True)
    assert run_export(data_dir, "--database-url", database).returncode == 0
    assert table_rows(database, with_xmin=True) == before


def test_one_comic_brings_its_job_and_its_cast(data_dir: Path, database: str) -> None:
    hostile = build_store(data_dir)
    result = run_export(data_dir, "--database-url", database, "--comic", str(hostile.id))
    assert result.returncode == 0, result.stderr
    assert "now holds jobs 1, comics 1, scenes 6, panels 6, images 6, characters 2" in result.stdout
    with psycopg.connect(database) as conn:
        assert conn.execute("SELECT id, job_id FROM comics").fetchall() == [(hostile.id, hostile.job_id)]
        types = conn.execute("SELECT character_type FROM characters ORDER BY 1").fetchall()
        assert types == [("girl_young",), ("parent_mom",)]


def test_a_failed_load_writes_nothing(data_dir: Path, database: str) -> None:
    build_store(data_dir)
    with psycopg.connect(database, autocommit=True) as conn:
        # A table in the way: the schema skips it, and the rows for it (loaded last) cannot go in.
        conn.execute("CREATE TABLE characters (character_type text PRIMARY KEY, owner text NOT NULL)")
    result = run_export(data_dir, "--database-url", database)
    assert result.returncode == 1
    assert "error:" in result.stderr
    assert "nothing was written" in result.stderr
    assert "Traceback" not in result.stderr
    with psycopg.connect(database) as conn:
        assert conn.execute("SELECT to_regclass('jobs')").fetchone() == (None,)


def test_an_unreachable_database_is_a_clear_error_without_the_password(data_dir: Path) -> None:
    build_store(data_dir)
    url = f"postgresql://fable:s3cret-pw@127.0.0.1:{free_port()}/fable"
    result = run_export(data_dir, "--database-url", url)
    assert result.returncode == 1
    assert "error: postgresql://fable:***@127.0.0.1" in result.stderr
    assert "s3cret-pw" not in result.stderr + result.stdout


def test_bad_arguments_are_explained(data_dir: Path, tmp_path: Path) -> None:
    build_store(data_dir)
    out = str(tmp_path / "never-written")
    nowhere = run_export(data_dir)
    assert nowhere.returncode == 1
    assert "--out DIR and/or --database-url URL" in nowhere.stderr
    unknown = run_export(data_dir, "--out", out, "--comic", "00000000-0000-4000-8000-000000000000")
    assert unknown.returncode == 1
    assert "no record" in unknown.stderr
    malformed = run_export(data_dir, "--out", out, "--comic", "../etc")
    assert malformed.returncode == 2
    assert "invalid UUID value" in malformed.stderr
    half = run_export(data_dir, "--out", out, "--supabase-url", "http://127.0.0.1:9")
    assert half.returncode == 1
    assert "needs both a Supabase URL and a key" in half.stderr
    assert not Path(out).exists()
