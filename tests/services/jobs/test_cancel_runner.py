"""The runner and the cancel: a step cancelled mid-write ends after the write, and `cancelled` is its last word."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

import pytest

from app.models.records import HISTORY_KEPT, Job, Providers
from app.models.states import AgeGroup, JobStatus, JobStep
from app.models.transitions import move
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


async def _drawing(tmp_path: Path) -> tuple[DataManager, JobRunner, Job]:
    """A store, its runner and a stored job whose panels are being drawn."""
    data = await _open(tmp_path)
    job = await data.create_job(_job(status=JobStatus.PROCESSING, step=JobStep.GENERATING_IMAGES))
    return data, JobRunner(data), job


async def test_a_step_cancelled_mid_write_stops_after_it_and_the_cancel_has_the_last_word(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, runner, job = await _drawing(tmp_path)
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
    moves = [(JobStatus.REQUIRES_ACTION, JobStep.SCENE_REVIEW), (JobStatus.PROCESSING, JobStep.REFINING_SCENES)] * 40
    statuses = [status for status, _ in moves]

    for status, step in moves:

        def enter(job: Job, status: JobStatus = status, step: JobStep = step) -> None:
            move(job, status, step=step)

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


async def test_an_illegal_move_in_a_step_is_a_bug_logged_with_its_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data, runner, job = await _drawing(tmp_path)

    async def back_to_review() -> None:  # as if drawing ended by asking for a review
        await data.update_job(job.id, lambda job: move(job, JobStatus.REQUIRES_ACTION, step=JobStep.SCENE_REVIEW))

    runner.start(job.id, back_to_review())
    await runner.wait(job.id)

    stored = await data.get_job(job.id)
    assert (stored.status, stored.step) == (JobStatus.FAILED, JobStep.GENERATING_IMAGES)
    assert stored.error == (
        "internal error: IllegalTransition: the job cannot move from processing/generating_images"
        " to requires_action/scene_review"
    )
    [bug] = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert bug.exc_info is not None
    assert str(job.id) in bug.getMessage()
