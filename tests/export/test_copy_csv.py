"""The CSVs loaded with `COPY <table> FROM STDIN (FORMAT csv, HEADER true)` after `psql -f schema.sql`.

COPY runs through psycopg's copy support (the same COPY protocol psql's `\\copy` uses); the
bytes sent are the files' bytes, unchanged. Also checks what the format promises on its own:
NULL is an empty unquoted field, an empty string is `""`.
"""

from __future__ import annotations

import re
from pathlib import Path

import psycopg

from app.export.bundle import write_bundle
from app.storage.data_manager import DataManager
from app.storage.relational.schema import TABLES
from app.storage.relational.tables import store_tables
from tests.utils.postgres import as_dicts, psql
from tests.utils.stores import build_store


def _copy_csvs(url: str, folder: Path) -> None:
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        for table in TABLES:
            columns = ", ".join(table.column_names)
            with cur.copy(f"COPY {table.name} ({columns}) FROM STDIN (FORMAT csv, HEADER true)") as copy:
                copy.write((folder / "csv" / f"{table.name}.csv").read_bytes())


def test_copy_of_the_csvs_gives_exactly_the_exported_rows(database: str, tmp_path: Path) -> None:
    build_store(tmp_path / "data")
    tables = store_tables(DataManager(tmp_path / "data"))
    out = tmp_path / "export"
    manifest = write_bundle(tables, out, bucket="comics")

    psql(database, out / "schema.sql")
    _copy_csvs(database, out)

    loaded = as_dicts(database)
    for table in TABLES:
        assert len(loaded[table.name]) == manifest.tables[table.name]
        assert loaded[table.name] == {row[table.key]: row for row in tables[table.name]}, table.name
    with psycopg.connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM scenes WHERE dialogue = ''").fetchone() == (3,)
        assert conn.execute("SELECT count(*) FROM panels WHERE source_url IS NULL").fetchone() == (3,)


def test_csv_keeps_null_and_empty_string_apart(tmp_path: Path) -> None:
    build_store(tmp_path / "data")
    tables = store_tables(DataManager(tmp_path / "data"))
    write_bundle(tables, tmp_path / "export", bucket="comics")
    jobs = (tmp_path / "export" / "csv" / "jobs.csv").read_text(encoding="utf-8")
    assert jobs.startswith("id,comic_id,topic,age_group,status,step,progress,error,title,")
    # A finished job: `error` is NULL, so its field is empty and unquoted; every other field is quoted.
    uuid = '"[0-9a-f-]{36}"'
    assert re.search(
        rf'^{uuid},{uuid},"teach my kid[^"]*","5-8","completed","completed","100",,"The Lesson",', jobs, re.M
    )
    scenes = (tmp_path / "export" / "csv" / "scenes.csv").read_text(encoding="utf-8")
    assert re.search(r',"2","Scene 2","What happens in scene 2\.","",', scenes)  # the empty dialogue, quoted
