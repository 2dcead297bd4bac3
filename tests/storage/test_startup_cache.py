"""The start-up caches only save work: whatever changed on disk since, a restart sees the disk as it is."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from PIL import Image

from app.models.records import Job, Providers
from app.models.states import AgeGroup, JobStatus
from app.storage.data_manager import DataManager
from app.storage.head_scan import scan_heads
from app.storage.image_store import ImageStore, is_panel_file, probe_image
from app.storage.job_index import JobHead
from app.storage.tally import tree_usage
from app.storage.tree_scan import cached_tree_usage
from tests.utils.factories import stored_statuses

pytestmark = pytest.mark.anyio


def _job(status: JobStatus = JobStatus.COMPLETED) -> Job:
    return Job(topic="a topic of ten", age_group=AgeGroup.YOUNG, seed=1, providers=Providers(text="t"), status=status)


def _png(width: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, 4), (0, 90, 200)).save(out, "PNG")
    return out.getvalue()


async def test_restart_sees_jobs_changed_added_and_removed_since_the_cache(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data = DataManager(data_dir)
    await data.open()
    changed, removed, kept = _job(JobStatus.PROCESSING), _job(), _job()
    for job in (changed, removed, kept):
        await data.create_job(job)
    assert len(await stored_statuses(data_dir)) == 3  # this start writes the cache
    assert list((data_dir / ".cache").glob("jobs-heads.json"))

    await data.update_job(changed.id, lambda job: setattr(job, "status", JobStatus.FAILED))
    (data_dir / "jobs" / f"{removed.id}.json").unlink()
    added = _job(JobStatus.PROCESSING)
    await data.create_job(added)

    after = await stored_statuses(data_dir)
    assert after == {str(changed.id): "failed", str(kept.id): "completed", str(added.id): "processing"}
    reopened = DataManager(data_dir)
    assert [job.id for job in await reopened.open()] == [added.id]  # what recovery gets


@pytest.mark.parametrize("cache_text", ["not json", '{"shape": ["other"], "files": {}}', "[]"])
def test_an_unusable_head_cache_is_ignored(tmp_path: Path, cache_text: str) -> None:
    (tmp_path / "jobs").mkdir()
    job = _job()
    (tmp_path / "jobs" / f"{job.id}.json").write_text(job.model_dump_json())
    cache = tmp_path / "cache.json"
    cache.write_text(cache_text)
    heads, count, size = scan_heads(tmp_path / "jobs", JobHead, lambda key: True, cache)
    assert [head.id for head in heads] == [job.id]
    assert (count, size) == (1, (tmp_path / "jobs" / f"{job.id}.json").stat().st_size)
    assert scan_heads(tmp_path / "jobs", JobHead, lambda key: True, cache)[0] == heads  # now from the cache


async def test_restart_counts_images_added_and_removed_since_the_cache(tmp_path: Path) -> None:
    images = ImageStore(tmp_path)
    first, second = _job().comic_id, _job().comic_id
    for comic_id in (first, second):
        data = _png(10)
        await images.save_panel(comic_id, 1, data, probe_image(data))
    assert await ImageStore(tmp_path).usage() == tree_usage(tmp_path / "images")  # writes the cache

    bigger = _png(400)
    await images.save_panel(first, 1, bigger, probe_image(bigger))  # replaced: a rename in its folder
    await images.save_panel(first, 2, bigger, probe_image(bigger))
    await images.delete_comic(second)
    nested = tmp_path / "images" / "comics" / str(first) / "extra"
    nested.mkdir()
    (nested / "note.txt").write_text("counted too")

    assert await ImageStore(tmp_path).usage() == tree_usage(tmp_path / "images") == await images.usage()
    panels = tree_usage(tmp_path / "images", is_panel_file)
    assert await ImageStore(tmp_path).panel_usage() == panels == await images.panel_usage() == (2, 2 * len(bigger))


def test_an_unusable_tree_cache_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "images" / "a").mkdir(parents=True)
    (tmp_path / "images" / "a" / "x.png").write_bytes(b"12345")
    (tmp_path / "images" / ".hidden").write_bytes(b"not counted")
    cache = tmp_path / "tree.json"
    for text in ("{", '{"": [1, 2]}', '{"": [[0, 0], 99, 99, [], 99, 99]}'):
        cache.write_text(text)
        os.utime(tmp_path / "images", ns=(1, 1))  # and a stamp that cannot match the cached one
        assert cached_tree_usage(tmp_path / "images", cache, is_panel_file) == (1, 5, 0, 0)


def test_a_tree_cache_from_before_the_panels_were_counted_is_read_again(tmp_path: Path) -> None:
    images = tmp_path / "images"
    images.mkdir()
    (images / "panel-1.png").write_bytes(b"12345")
    (images / "page.png").write_bytes(b"123")
    cache = tmp_path / "tree.json"
    stamp = [images.stat().st_mtime_ns, images.stat().st_ino]  # the folder has not changed since
    cache.write_text(json.dumps({"": [stamp, 2, 8, []]}))
    assert cached_tree_usage(images, cache, is_panel_file) == (2, 8, 1, 5)
