"""The runner and the cancel: a step cancelled mid-write ends after the write, and `cancelled` is its last word."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from app.models.records import HISTORY_KEPT, Job, Providers
from app.models.states import AgeGroup, JobStatus, JobStep
from app.providers.usage import record_image
from app.services.jobs.runner import JobRunner
from app.storage.data_manager import DataManager
from tests.utils.gates import Gate, mark_cancelled, store_panel

pytestmark = pytest.mark.anyio


async def _open(tmp_path: Path) -> DataManager:
    data = DataManager(tmp_path / "data")
    await data.open()
    return data


def _job(**fields: object) -> Job:
    return Job(topic="sharing toys", age_group=AgeGroup.YOUNG, seed=1, providers=Providers(text="t"), **fields)


async def test_a_step_cancelled_mid_write_stops_after_it_and_the_cancel_has_the_last_word(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = await _open(tmp_path)
    runner = JobRunner(data)
    job = await data.create_job(_job(status=JobStatus.PROCESSING, step=JobStep.GENERATING_IMAGES))
    gate = Gate(monkeypatch, data.jobs, "_write")

    async def draw() -> None:
        record_image()
        await data.update_job(job.id, store_panel)  # held at the gate
        record_image()  # after the write: billed by the runner on the way out
        await asyncio.sleep(3600)

    runner.start(job.id, draw())
    await gate.reached()
    stopping = asyncio.create_task(runner.cancel(job.id))
    await asyncio.sleep(0.05)
    assert not stopping.done()  # the task does not end before the write it began
    assert runner.is_running(job.id)
    gate.open()
    await stopping
    assert not runner.is_running(job.id)
    cancelled = await data.update_job(job.id, mark_cancelled)

    await asyncio.sleep(0.1)  # a late write, if any were left, would land now
    stored = await data.get_job(job.id)
    assert stored == cancelled
    assert stored.status == JobStatus.CANCELLED
    assert [panel.panel_id for panel in stored.panels] == [1]
    assert stored.usage.images == 1  # the image before the cancel; the one after never happened
    assert data.jobs.locked() == 0


async def test_history_keeps_the_first_entry_and_the_latest(tmp_path: Path) -> None:
    data = await _open(tmp_path)
    job = await data.create_job(_job(status=JobStatus.PROCESSING, step=JobStep.GENERATING_SCENES))
    created = job.history[0]
    statuses = [JobStatus.REQUIRES_ACTION, JobStatus.PROCESSING] * 40

    for status in statuses:

        def enter(job: Job, status: JobStatus = status) -> None:
            job.status = status

        await data.update_job(job.id, enter)

    stored = await data.get_job(job.id)
    assert len(stored.history) == HISTORY_KEPT
    assert stored.history[0] == created
    assert [entry.status for entry in stored.history[1:]] == statuses[-(HISTORY_KEPT - 1) :]
    times = [entry.at for entry in stored.history]
    assert times == sorted(times)


def test_history_drops_the_oldest_but_the_first_one_at_a_time() -> None:
    job = _job()
    start = job.created_at
    for minute in range(HISTORY_KEPT + 2):
        job.record_state(start + timedelta(minutes=minute))
        assert len(job.history) == min(minute + 1, HISTORY_KEPT)
    minutes = [int((entry.at - start).total_seconds() // 60) for entry in job.history]
    assert minutes == [0, *range(3, HISTORY_KEPT + 2)]
