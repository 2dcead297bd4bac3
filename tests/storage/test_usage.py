"""Storage stats are running totals: after any mix of writes and deletes they equal a fresh count of the disk."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from pydantic import BaseModel

from app.errors import NotFound
from app.models.records import Comic, Job, Providers
from app.models.states import AgeGroup, JobStatus
from app.storage.data_manager import DataManager, StorageUsage
from app.storage.image_store import ImageStore, probe_image
from app.storage.json_store import JsonStore

pytestmark = pytest.mark.anyio


class Note(BaseModel):
    text: str = ""


def _png(width: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, 8), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def _job(status: JobStatus = JobStatus.COMPLETED) -> Job:
    return Job(topic="a topic of ten", age_group=AgeGroup.YOUNG, seed=1, providers=Providers(text="t"), status=status)


async def _fresh_usage(data_dir: Path) -> StorageUsage:
    fresh = DataManager(data_dir)
    await fresh.open()
    return await fresh.usage()


async def test_json_totals_follow_writes_and_deletes(tmp_path: Path) -> None:
    store: JsonStore[Note] = JsonStore(tmp_path / "notes", Note, NotFound)
    (tmp_path / "notes").mkdir()
    await store.count()
    await store.create("note_a", Note(text="short"))
    await store.put("note_b", Note(text="x" * 500))
    await store.put("note_b", Note(text="now shorter"))  # an overwrite changes bytes, not the count
    await store.update("note_a", lambda note: Note(text=note.text * 40))
    await store.create("note_c", Note())
    await store.delete("note_c")
    on_disk = [p.stat().st_size for p in (tmp_path / "notes").glob("*.json")]
    assert await store.usage() == (2, sum(on_disk))

    recounted: JsonStore[Note] = JsonStore(tmp_path / "notes", Note, NotFound)
    assert await recounted.usage() == (2, sum(on_disk))


async def test_failed_update_leaves_totals_alone(tmp_path: Path) -> None:
    store: JsonStore[Note] = JsonStore(tmp_path / "notes", Note, NotFound)
    await store.put("note_a", Note(text="kept"))
    before = await store.usage()

    def refuse(note: Note) -> Note:
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        await store.update("note_a", refuse)
    with pytest.raises(NotFound):
        await store.delete("missing")
    assert await store.usage() == before


async def test_image_totals_follow_saves_overwrites_and_deletes(tmp_path: Path) -> None:
    images = ImageStore(tmp_path)
    await images.count()
    comic_a, comic_b = _job().comic_id, _job().comic_id
    for panel, width in ((1, 8), (2, 16)):
        data = _png(width)
        await images.save_panel(comic_a, panel, data, probe_image(data))
    bigger = _png(300)
    await images.save_panel(comic_a, 1, bigger, probe_image(bigger))  # a redraw replaces panel 1
    data = _png(8)
    await images.save_panel(comic_b, 1, data, probe_image(data))
    await images.delete_comic(comic_b)
    await images.delete_comic(comic_b)  # already gone: nothing changes

    files = [p for p in (tmp_path / "images").rglob("*") if p.is_file()]
    assert await images.usage() == (2, sum(p.stat().st_size for p in files))
    assert await ImageStore(tmp_path).usage() == await images.usage()


async def test_data_manager_stats_match_a_fresh_start(tmp_path: Path) -> None:
    data = DataManager(tmp_path / "data")
    await data.open()
    kept, dropped = _job(), _job()
    for job in (kept, dropped):
        await data.create_job(job)
        png = _png(32)
        path = await data.images.save_panel(job.comic_id, 1, png, probe_image(png))
        assert path.startswith("images/")
        await data.save_comic(
            Comic(
                id=job.comic_id,
                job_id=job.id,
                topic=job.topic,
                age_group=job.age_group,
                title="t",
                style="storybook",
                seed=1,
                scenes=[],
                characters=[],
                panels=[],
                providers=job.providers,
            )
        )
    await data.update_job(kept.id, lambda job: setattr(job, "title", "A much longer title than before"))
    await data.delete_comic(dropped.comic_id)

    usage = await data.usage()
    assert (usage.jobs, usage.comics, usage.images) == (1, 1, 1)
    assert usage == await _fresh_usage(tmp_path / "data")


async def test_files_added_behind_the_store_are_counted_at_the_next_start(tmp_path: Path) -> None:
    data = DataManager(tmp_path / "data")
    await data.open()
    (tmp_path / "data" / "jobs" / "not-a-job.json").write_text("{}")
    assert (await data.usage()).jobs == 0  # running totals: unseen until a restart
    assert (await _fresh_usage(tmp_path / "data")).jobs == 1  # counted, like any stored document


async def test_open_indexes_every_job_but_loads_only_unfinished_ones(tmp_path: Path) -> None:
    data = DataManager(tmp_path / "data")
    await data.open()
    done, running = _job(JobStatus.COMPLETED), _job(JobStatus.PROCESSING)
    for job in (done, running):
        await data.create_job(job)
    (tmp_path / "data" / "jobs" / f"{_job().id}.json").write_text('{"id": "trunc')  # corrupt: skipped

    reopened = DataManager(tmp_path / "data")
    assert [job.id for job in await reopened.open()] == [running.id]
    total, jobs = await reopened.list_jobs(None, 10, 0)
    assert total == 2
    assert [job.id for job in jobs] == [running.id, done.id]  # newest first
    assert (await reopened.list_jobs(JobStatus.COMPLETED, 10, 0))[0] == 1
    assert (await reopened.usage()).jobs == 3  # the corrupt file still takes room
