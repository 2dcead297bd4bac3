"""Records to rows: stable ids, what each table holds, and what is left out (and said) when data is damaged."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from uuid import uuid4, uuid5

import pytest

from app.errors import ComicNotFound
from app.export.database import apply_to_database
from app.services.cast.characters import PRESETS
from app.storage.data_manager import DataManager
from app.storage.relational.schema import COMICS, JOBS
from app.storage.relational.tables import ExportTables, comic_tables, preset_characters, store_tables
from tests.utils.stores import add_comic, add_finished_files, add_unfinished_job, fill_store


def _export(data: DataManager) -> ExportTables:
    return store_tables(data)


@pytest.fixture
def data(data_dir: Path) -> DataManager:
    manager = DataManager(data_dir)
    asyncio.run(fill_store(manager))
    return manager


def test_ids_are_the_stored_ones_and_never_change_between_runs(data: DataManager) -> None:
    first, second = _export(data), _export(data)
    assert first.rows == second.rows
    comics = asyncio.run(data.comics.all())
    jobs = asyncio.run(data.jobs.all())
    assert {r["id"] for r in first["jobs"]} == {j.id for j in jobs}
    assert {r["id"] for r in first["comics"]} == {c.id for c in comics}
    assert {r["id"] for r in first["scenes"]} == {s.id for c in comics for s in c.scenes}
    assert {r["id"] for r in first["panels"]} == {p.id for c in comics for p in c.panels}
    assert {r["id"] for r in first["images"]} == {uuid5(p.id, "image") for c in comics for p in c.panels}
    assert {r["panel_id"] for r in first["images"]} == {p.id for c in comics for p in c.panels}


def test_rows_hold_the_records(data: DataManager) -> None:
    tables = _export(data)
    job = next(r for r in tables["jobs"] if r["status"] == "completed")
    # The rest of the record, whatever fields it grows, and nothing that has a column of its own.
    assert {"scenes", "pending_feedback", "characters", "selection", "panels"} <= set(job["data"])
    assert not set(job["data"]) & set(JOBS.column_names)
    assert job["created_at"].utcoffset() is not None
    comic = next(c for c in tables["comics"] if c["topic"].startswith("teach my kid"))
    assert not set(comic["data"]) & (set(COMICS.column_names) | {"scenes", "panels"})
    assert [m["character_type"] for m in comic["characters"]] == ["girl_young", "parent_mom"]
    image = tables["images"][0]
    assert image["bucket"] == "comics"
    assert image["storage_path"] == f"comics/{image['comic_id']}/panel-1.png"
    assert [c["character_type"] for c in tables["characters"]] == [*PRESETS, "grandma_rose"]


def test_presets_are_the_library_presets() -> None:
    assert preset_characters() == list(PRESETS.values())


def test_a_missing_image_file_leaves_out_only_its_image_row(data: DataManager) -> None:
    comic = asyncio.run(data.comics.all())[0]
    (data.data_dir / comic.panels[2].image_path).unlink()
    tables = _export(data)
    assert tables.counts()["panels"] == 15
    assert tables.counts()["images"] == 14
    assert len(tables.files) == 14
    assert tables.problems == [f"comic {comic.id} panel 3: image file {comic.panels[2].image_path} missing"]


def test_the_lettered_panels_page_and_pdfs_go_with_the_panels(data_dir: Path) -> None:
    data = DataManager(data_dir)
    comic = asyncio.run(add_finished_files(data, asyncio.run(add_comic(data, panels=2))))
    (data.data_dir / comic.pdf_paths["letter"]).unlink()  # not made yet: made on demand, so not a problem
    tables = _export(data)
    keys = {file.storage_path: file.source for file in tables.files}
    names = ["panel-1.png", "panel-2.png", "panel-1.lettered.png", "panel-2.lettered.png", "page.png", "comic-a4.pdf"]
    assert sorted(keys) == sorted(f"comics/{comic.id}/{name}" for name in names)
    assert keys[f"comics/{comic.id}/page.png"] == data.data_dir / comic.page_path
    assert tables.counts()["images"] == 2  # rows are the panels' alone
    assert tables.problems == []


def test_a_comic_whose_job_is_gone_is_kept_with_a_null_job_id(data_dir: Path) -> None:
    data = DataManager(data_dir)
    comic = asyncio.run(add_comic(data, store_job=False))
    tables = _export(data)
    assert tables["comics"][0]["job_id"] is None
    assert tables.problems == [f"comic {comic.id}: its job {comic.job_id} is not stored; comics.job_id is NULL"]


def test_damaged_comics_are_left_out_and_reported(data_dir: Path) -> None:
    data = DataManager(data_dir)
    good = asyncio.run(add_comic(data))
    # A copied file, made later: the same scene and panel ids. The earlier comic keeps them.
    copy = good.model_copy(update={"id": uuid4(), "created_at": good.created_at + timedelta(seconds=1)})
    asyncio.run(data.save_comic(copy))
    orphan_panels = good.model_copy(update={"id": uuid4(), "scenes": good.scenes[:1], "panels": good.panels[:2]})
    orphan_panels.scenes = [s.model_copy(update={"id": uuid4()}) for s in orphan_panels.scenes]
    orphan_panels.panels = [p.model_copy(update={"id": uuid4()}) for p in orphan_panels.panels]
    asyncio.run(data.save_comic(orphan_panels))
    tables = _export(data)
    assert [r["id"] for r in tables["comics"]] == [good.id]
    assert sorted(tables.problems) == sorted(
        [
            f"comic {copy.id} left out: its ids repeat ids of another comic or of itself",
            f"comic {orphan_panels.id} left out: panels draw scenes it does not have: [2]",
        ]
    )
    assert len(tables["scenes"]) == len(tables["panels"]) == 6


def test_one_comic_brings_its_job_and_only_its_cast(data: DataManager) -> None:
    comics = asyncio.run(data.comics.all())
    rose = next(c for c in comics if c.characters[0].character_type == "grandma_rose")
    tables = comic_tables(data, rose.id)
    assert [r["id"] for r in tables["jobs"]] == [rose.job_id]
    assert [r["character_type"] for r in tables["characters"]] == ["boy_young", "grandma_rose"]
    with pytest.raises(ComicNotFound):
        comic_tables(data, uuid4())


def test_nul_characters_become_replacement_characters_and_load(data_dir: Path, database: str) -> None:
    data = DataManager(data_dir)
    job = asyncio.run(add_unfinished_job(data, text="nul\x00here", failed=True))
    asyncio.run(data.update_job(job.id, lambda j: setattr(j.scenes[0], "title", "a\x00b")))
    tables = _export(data)
    row = tables["jobs"][0]
    assert row["topic"] == "share toys with your sisternul\ufffdhere"
    assert row["error"] == "image provider said nonul\ufffdhere"
    assert row["data"]["scenes"][0]["title"] == "a\ufffdb"
    assert apply_to_database(database, tables)["jobs"] == 1
