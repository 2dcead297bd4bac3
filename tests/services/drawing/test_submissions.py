"""fal.ai request ids of panels submitted together reach the job in shared writes, none lost."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from app.services.drawing.submissions import SubmissionLog
from app.storage.data_manager import DataManager
from app.storage.job_feed import JobWrite
from tests.utils.stores import add_unfinished_job

pytestmark = pytest.mark.anyio


async def test_ids_arriving_together_share_writes_and_all_are_stored(tmp_path: Path) -> None:
    data = DataManager(tmp_path)
    await data.open()
    job = await add_unfinished_job(data)
    writes: list[JobWrite] = []
    data.feed.subscribe(writes.append)
    log = SubmissionLog(data)

    await asyncio.gather(*(log.remember(job.id, scene, f"request-{scene}") for scene in range(1, 7)))

    stored = await data.get_job(job.id)
    assert stored.image_requests == {n: f"request-{n}" for n in range(1, 7)}
    assert 1 <= len(writes) < 6  # the first write, then one for everything that arrived meanwhile


async def test_ids_arriving_apart_are_each_written(tmp_path: Path) -> None:
    data = DataManager(tmp_path)
    await data.open()
    job = await add_unfinished_job(data)
    log = SubmissionLog(data)
    await log.remember(job.id, 1, "first")
    assert (await data.get_job(job.id)).image_requests == {1: "first"}
    await log.remember(job.id, 2, "second")
    assert (await data.get_job(job.id)).image_requests == {1: "first", 2: "second"}


async def test_a_new_intent_replaces_the_panels_earlier_request(tmp_path: Path) -> None:
    data = DataManager(tmp_path)
    await data.open()
    job = await add_unfinished_job(data)
    log = SubmissionLog(data)
    await log.remember(job.id, 1, "failed-run")
    await log.remember(job.id, 2, "other-panel")
    await log.intend(job.id, 1, seed=7)  # panel 1 drawn again: a crash now must look for the new request
    stored = await data.get_job(job.id)
    assert stored.image_requests == {2: "other-panel"}
    assert stored.image_intents[1].seed == 7
