"""The PostgreSQL store against a real PostgreSQL: records come back equal, concurrent updates from two
instances never lose each other, and missing or corrupt rows give the file store's errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pytest

from app.errors import CharacterNotFound, ComicNotFound, Conflict, CorruptDocument, JobNotFound, StorageUnavailable
from app.models.references import CharacterReferences, StyleReference
from app.storage.data_manager import DataManager
from app.storage.postgres.store import PostgresDocuments
from tests.utils.gates import store_panel
from tests.utils.server import free_port
from tests.utils.stores import add_finished_files, drawing_job, fill_store

pytestmark = pytest.mark.anyio

UNKNOWN = "00000000-0000-4000-8000-000000000000"


async def _open(url: str, tmp_path: Path) -> DataManager:
    data = DataManager(tmp_path / "data", documents=PostgresDocuments(url, "comics"))
    await data.open()
    return data


@pytest.fixture
async def pg(database: str, tmp_path: Path) -> AsyncIterator[DataManager]:
    data = await _open(database, tmp_path)
    yield data
    await data.aclose()


async def test_a_whole_store_copied_in_comes_back_equal(pg: DataManager, tmp_path: Path) -> None:
    files = DataManager(tmp_path / "files")
    hostile = await fill_store(files)
    await add_finished_files(files, hostile)
    jobs, comics, characters = await files.jobs.all(), await files.comics.all(), await files.characters.all()
    for job in jobs:
        await pg.create_job(job.model_copy(update={"history": job.history[:-1]}))  # create_job records one more
    for comic in comics:
        await pg.save_comic(comic)
        await pg.save_comic(comic)  # a second put replaces the first whole
    for character in characters:
        await pg.add_character(character)

    assert sorted(await asyncio.gather(*(pg.get_job(job.id) for job in jobs)), key=lambda j: j.id) == sorted(
        jobs, key=lambda j: j.id
    )
    assert [await pg.get_comic(comic.id) for comic in comics] == comics
    assert await pg.custom_characters() == characters
    usage = await pg.usage()
    assert (usage.jobs, usage.comics, usage.characters) == (5, 3, 1)
    assert usage.json_bytes > 0


async def test_concurrent_updates_from_two_instances_never_lose_each_other(
    pg: DataManager, database: str, tmp_path: Path
) -> None:
    other = await _open(database, tmp_path)  # another pool, as another process has: only the row lock orders them
    try:
        job = await pg.create_job(drawing_job())
        await asyncio.gather(*(data.update_job(job.id, store_panel) for data in (pg, other) for _ in range(10)))
        assert len((await pg.get_job(job.id)).panels) == 20
        references = [pg.references.update("girl_young", _add_style(n)) for n in range(6)]
        references += [other.references.update("girl_young", _add_style(n + 6)) for n in range(6)]
        await asyncio.gather(*references)
        assert len((await other.references.get("girl_young")).styles) == 12
    finally:
        await other.aclose()


def _add_style(number: int):
    def change(record: CharacterReferences) -> None:
        record.styles[f"style_{number}"] = StyleReference()

    return change


async def test_missing_records_raise_what_the_file_store_raises(pg: DataManager) -> None:
    from uuid import UUID

    unknown = UUID(UNKNOWN)
    with pytest.raises(JobNotFound):
        await pg.get_job(unknown)
    with pytest.raises(JobNotFound):
        await pg.update_job(unknown, store_panel)
    with pytest.raises(ComicNotFound):
        await pg.get_comic(unknown)
    with pytest.raises(ComicNotFound):
        await pg.delete_comic(unknown)
    with pytest.raises(CharacterNotFound):
        await pg.get_character("grandpa_joe")
    assert await pg.references.get("girl_young") == CharacterReferences(character_type="girl_young")
    job = await pg.create_job(drawing_job())
    with pytest.raises(Conflict):
        await pg.create_job(job)


async def test_a_corrupt_row_is_reported_skipped_in_lists_and_forgotten_once_mended(
    pg: DataManager, database: str, tmp_path: Path
) -> None:
    files = DataManager(tmp_path / "files")
    hostile = await fill_store(files)
    good, bad = await pg.create_job(drawing_job()), await pg.create_job(drawing_job())
    await pg.save_comic(hostile)
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute("""UPDATE jobs SET data = jsonb_set(data, '{scenes}', '"x"') WHERE id = %s""", (bad.id,))
        conn.execute("UPDATE scenes SET data = '[1]' WHERE comic_id = %s AND scene_id = 1", (hostile.id,))

    with pytest.raises(CorruptDocument, match="is corrupt"):
        await pg.get_job(bad.id)
    with pytest.raises(CorruptDocument):
        await pg.update_job(bad.id, store_panel)  # nothing written: the change never ran
    with pytest.raises(CorruptDocument):
        await pg.get_comic(hostile.id)
    total, listed = await pg.list_jobs(None, 10, 0)
    assert (total, [job.id for job in listed]) == (2, [good.id])
    assert [job.id for job in await pg.documents.jobs.unsettled()] == [good.id]
    assert set(pg.unreadable()) == {f"jobs/{bad.id}", f"comics/{hostile.id}"}

    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute("""UPDATE jobs SET data = jsonb_set(data, '{scenes}', '[]') WHERE id = %s""", (bad.id,))
    await pg.get_job(bad.id)
    await pg.save_comic(hostile)
    assert pg.unreadable() == {}


async def test_a_comic_outliving_its_job_keeps_the_job_id(pg: DataManager, tmp_path: Path) -> None:
    hostile = await fill_store(DataManager(tmp_path / "files"))
    await pg.save_comic(hostile)  # its job is not in this database: comics.job_id is NULL
    assert (await pg.get_comic(hostile.id)).job_id == hostile.job_id
    deleted = await pg.delete_comic(hostile.id)
    assert deleted == hostile
    with pytest.raises(ComicNotFound):
        await pg.get_comic(hostile.id)


async def test_an_unreachable_database_is_one_line_without_the_password(tmp_path: Path) -> None:
    url = f"postgresql://fable:s3cret-pw@127.0.0.1:{free_port()}/fable"
    store = PostgresDocuments(url, "comics")
    with pytest.raises(StorageUnavailable) as caught:
        await store.open()
    await store.aclose()
    message = str(caught.value)
    assert message.startswith("the database postgresql://fable:***@127.0.0.1:")
    assert "cannot be used" in message
    assert "\n" not in message
    assert "s3cret-pw" not in message


async def test_health_names_the_schema_version_and_a_lost_database(pg: DataManager) -> None:
    store, _ = await pg.health()
    assert (store.kind, store.problem, store.schema_version) == ("postgres", None, 2)
    await pg.documents.aclose()  # as good as a database gone away, for the pool
    store, _ = await pg.health()
    assert store.kind == "postgres"
    assert "cannot be used" in (store.problem or "")
