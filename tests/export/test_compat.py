"""v2.0's documented Python use of the export, exactly as its README shows it, from a plain session."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from uuid import uuid4

import pytest

from app.errors import ComicNotFound
from app.storage.data_manager import DataManager
from app.storage.relational.tables import comic_tables, store_tables
from tests.utils.server import REPO_ROOT
from tests.utils.stores import build_store, table_counts

# v2.0's README, "Export Data for Supabase", with a few lines after it that report what came back.
_SESSION = textwrap.dedent(
    """
    import sys
    comic_id = sys.argv[1]

    from app.storage.data_manager import DataManager

    dm = DataManager("data")
    export_data = dm.export_comic_data(comic_id)
    # Now contains Supabase-compatible tables and schema
    everything = dm.export_all_data()

    import asyncio, json
    try:
        asyncio.get_running_loop()
        loop = True
    except RuntimeError:
        loop = False
    print(json.dumps({
        "loop": loop,
        "comic": export_data.counts(),
        "comic_ids": [str(row["id"]) for row in export_data["comics"]],
        "schema": "CREATE TABLE IF NOT EXISTS comics" in export_data.schema,
        "all": everything.counts(),
    }))
    """
)


def test_the_readme_session_runs_as_written(tmp_path: Path) -> None:
    comic = build_store(tmp_path / "data")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    # From the folder that holds `data`, as the README's relative DataManager("data") expects.
    result = subprocess.run(
        [sys.executable, "-c", _SESSION, str(comic.id)], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["loop"] is False  # nothing needed an event loop
    assert answer["comic"] == table_counts(1, 1, 6, 2)
    assert answer["comic_ids"] == [str(comic.id)]
    assert answer["schema"] is True
    assert answer["all"] == table_counts(5, 3, 15, 9)


def test_the_calls_give_the_exports_own_tables(data_dir: Path) -> None:
    comic = build_store(data_dir)
    data = DataManager(str(data_dir))
    assert data.export_all_data().rows == store_tables(data).rows
    assert data.export_comic_data(str(comic.id).upper()).rows == comic_tables(data, comic.id).rows
    assert data.export_comic_data(comic.id, "elsewhere")["images"][0]["bucket"] == "elsewhere"


def test_they_also_work_inside_a_running_event_loop(data_dir: Path) -> None:
    # A notebook runs an event loop of its own: calls that needed asyncio.run would fail there.
    build_store(data_dir)

    async def in_a_notebook() -> dict[str, int]:
        return DataManager(data_dir).export_all_data().counts()

    assert asyncio.run(in_a_notebook())["comics"] == 3


@pytest.mark.parametrize("comic_id", [str(uuid4()), "not-a-uuid", "../comics/x"])
def test_an_unknown_comic_is_comic_not_found(data_dir: Path, comic_id: str) -> None:
    build_store(data_dir)
    with pytest.raises(ComicNotFound):
        DataManager(data_dir).export_comic_data(comic_id)
