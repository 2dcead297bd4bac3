"""The start-up scan begun early in a child process: the server's scan waits for it, and never needs it."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

from app.models.records import Job, Providers
from app.models.states import AgeGroup, JobStatus
from app.storage import head_primer
from app.storage.data_manager import DataManager
from app.storage.file_documents import FileDocuments
from app.storage.head_scan import cache_file, scan_heads
from app.storage.job_index import JobHead
from app.storage.json_store import is_document_key
from tests.utils.factories import stored_statuses

pytestmark = pytest.mark.anyio


async def _stored_jobs(data_dir: Path, count: int) -> dict[str, str]:
    data = DataManager(data_dir)
    await data.open()
    statuses = [JobStatus.COMPLETED, JobStatus.PROCESSING, JobStatus.FAILED]
    made = {}
    for index in range(count):
        job = Job(topic="a topic of ten", age_group=AgeGroup.YOUNG, seed=index, providers=Providers(text="t"))
        job.status = statuses[index % len(statuses)]
        await data.create_job(job)
        made[str(job.id)] = job.status.value
    return made


async def test_a_primed_start_sees_the_same_jobs_and_the_child_wrote_the_cache(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    made = await _stored_jobs(data_dir, 30)
    (data_dir / "jobs" / "broken.json").write_text("{not json")  # the parent reports it, not the child
    cache = cache_file(data_dir / "jobs")
    cache.unlink(missing_ok=True)

    assert FileDocuments(data_dir).prime()
    head_primer.wait_for(cache)
    assert cache.exists()  # written by the child, before the server's own scan
    assert await stored_statuses(data_dir) == made


async def test_the_servers_scan_waits_for_a_child_still_scanning(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    made = await _stored_jobs(data_dir, 3)
    folder = data_dir / "jobs"
    cache = cache_file(folder)

    def slow_scan() -> None:
        time.sleep(0.6)
        cache.write_text("written by the child")

    assert head_primer.prime(cache, slow_scan)
    started = time.monotonic()
    heads, _, _ = scan_heads(folder, JobHead, is_document_key, cache)  # waits, then finds the cache unreadable
    assert time.monotonic() - started >= 0.4
    assert {str(head.id) for head in heads} == set(made)
    assert cache.read_text() != "written by the child"  # the scan's own cache replaced the bad one


async def test_one_child_per_cache_and_none_needed(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    made = await _stored_jobs(data_dir, 5)
    cache = cache_file(data_dir / "jobs")
    cache.unlink(missing_ok=True)

    assert head_primer.prime(cache, lambda: time.sleep(0.5))
    assert not FileDocuments(data_dir).prime()  # the first child holds the lock: no second one
    head_primer.wait_for(cache)
    assert not cache.exists()  # that child wrote nothing, and the start does not need it
    assert await stored_statuses(data_dir) == made


async def test_a_child_that_fails_or_dies_costs_only_the_wait(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    made = await _stored_jobs(data_dir, 5)
    cache = cache_file(data_dir / "jobs")
    cache.unlink(missing_ok=True)

    def fail() -> None:
        raise OSError("disk gone")

    assert head_primer.prime(cache, fail)
    assert await stored_statuses(data_dir) == made
    assert head_primer.prime(cache, lambda: os.kill(os.getpid(), 9))
    assert await stored_statuses(data_dir) == made


async def test_waiting_gives_up_after_the_timeout(tmp_path: Path) -> None:
    cache = tmp_path / ".cache" / "jobs-heads.json"
    assert head_primer.prime(cache, lambda: time.sleep(3))
    started = time.monotonic()
    head_primer.wait_for(cache, timeout=0.2)
    assert time.monotonic() - started < 2


async def test_no_child_on_a_restart_whose_cache_covers_the_folder(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    made = await _stored_jobs(data_dir, 3)
    await stored_statuses(data_dir)  # a start: writes the cache, after the last job was written
    assert not FileDocuments(data_dir).prime()

    await asyncio.sleep(0.01)  # a new file in the folder, later than the cache
    made.update(await _stored_jobs(data_dir, 1))
    assert FileDocuments(data_dir).prime()
    head_primer.wait_for(cache_file(data_dir / "jobs"))
    assert await stored_statuses(data_dir) == made
