"""Export of 1,000 comics (6,000 panels): the target is under 10 s on a 2-core machine; the test allows 3x.

The store is written straight through the DataManager (records and 4x4 PNGs), not drawn by the
offline providers, so that building it takes seconds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from app.export.bundle import write_bundle
from app.storage.data_manager import DataManager
from app.storage.relational.schema import TABLES
from app.storage.relational.tables import store_tables
from tests.utils.postgres import psql
from tests.utils.stores import add_many_comics, table_counts

COMICS = 1000
LIMIT_SECONDS = 30.0


@pytest.fixture(scope="module")
def thousand(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("thousand") / "data"
    asyncio.run(add_many_comics(DataManager(data_dir), COMICS))
    return data_dir


def test_export_of_1000_comics_is_fast(
    thousand: Path, tmp_path: Path, database: str, record_property: Callable[[str, object], None]
) -> None:
    started = time.perf_counter()
    tables = store_tables(DataManager(thousand))
    manifest = write_bundle(tables, tmp_path / "export", bucket="comics")
    elapsed = time.perf_counter() - started
    record_property("export_seconds", round(elapsed, 2))
    print(f"\nexport of {COMICS} comics: {elapsed:.2f} s")
    assert manifest.tables == table_counts(COMICS, COMICS, 6 * COMICS, 8)
    assert elapsed < LIMIT_SECONDS, f"export of {COMICS} comics took {elapsed:.1f} s"

    # And it loads as it is.
    psql(database, tmp_path / "export" / "schema.sql", tmp_path / "export" / "data.sql")
    with psycopg.connect(database) as conn:
        for table in TABLES:
            assert conn.execute(f"SELECT count(*) FROM {table.name}").fetchone() == (manifest.tables[table.name],)
