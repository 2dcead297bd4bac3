"""Cancel at each moment of a job write: the write is made whole or not at all, and nothing is lost.

A gate holds the victim's read or write in its worker thread; the test cancels the victim there,
queues the `cancelled` mark behind it (as `ComicService.cancel` does), then opens the gate.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from app.models.records import Job, Providers
from app.models.states import AgeGroup, JobStatus
from app.storage.critical import KeyedLocks, run_to_end
from app.storage.data_manager import DataManager
from tests.utils.gates import Gate, mark_cancelled, store_panel
from tests.utils.stores import open_with_drawing_job

pytestmark = pytest.mark.anyio


async def _drawing_job(tmp_path: Path) -> tuple[DataManager, Job]:
    return await open_with_drawing_job(tmp_path / "data")


async def _turns(count: int = 20) -> None:
    for _ in range(count):
        await asyncio.sleep(0)


@pytest.mark.parametrize("moment", ["reading", "writing"])
async def test_a_write_cancelled_once_begun_is_made_whole_under_its_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, moment: str
) -> None:
    data, job = await _drawing_job(tmp_path)
    gate = Gate(monkeypatch, data.jobs, "read" if moment == "reading" else "_write")
    victim = asyncio.create_task(data.update_job(job.id, store_panel))
    await gate.reached()

    victim.cancel()
    mark = asyncio.create_task(data.update_job(job.id, mark_cancelled))
    await _turns()
    assert not victim.done()  # the cancel waits for the write ...
    assert not mark.done()  # ... and the lock is still held, so the mark cannot read a stale job
    gate.open()

    with pytest.raises(asyncio.CancelledError):
        await victim
    await mark
    stored = await data.get_job(job.id)
    assert stored.status == JobStatus.CANCELLED
    assert [panel.panel_id for panel in stored.panels] == [1]  # the panel stored by the cancelled write is kept
    assert [entry.status for entry in stored.history] == [JobStatus.PROCESSING, JobStatus.CANCELLED]
    assert await data.peek_job(job.id) == stored  # memory and index agree with the disk
    assert (await data.list_jobs(JobStatus.CANCELLED, 10, 0))[0] == 1
    assert data.jobs.locked() == 0


async def test_a_write_cancelled_while_waiting_for_the_lock_is_not_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, job = await _drawing_job(tmp_path)
    gate = Gate(monkeypatch, data.jobs, "_write")
    holder = asyncio.create_task(data.update_job(job.id, store_panel))
    await gate.reached()
    victim = asyncio.create_task(data.update_job(job.id, store_panel))
    await _turns()

    victim.cancel()
    with pytest.raises(asyncio.CancelledError):
        await victim  # at once: it had begun nothing
    gate.open()
    await holder
    await data.update_job(job.id, mark_cancelled)
    stored = await data.get_job(job.id)
    assert (stored.status, [p.panel_id for p in stored.panels]) == (JobStatus.CANCELLED, [1])
    assert data.jobs.locked() == 0


async def test_a_write_that_fails_after_a_cancel_keeps_its_error_as_the_cause(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, job = await _drawing_job(tmp_path)

    def disk_full(key: str, doc: Job) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(data.jobs, "_write", disk_full)
    gate = Gate(monkeypatch, data.jobs, "_write")
    causes: list[BaseException | None] = []

    async def put() -> None:
        try:
            await data.jobs.put(str(job.id), job)
        except asyncio.CancelledError as exc:  # as the caller sees it (a task awaited from outside re-wraps it)
            causes.append(exc.__cause__)
            raise

    victim = asyncio.create_task(put())
    await gate.reached()
    victim.cancel()
    gate.open()
    with pytest.raises(asyncio.CancelledError):
        await victim
    assert [type(cause) for cause in causes] == [OSError]
    assert data.jobs.locked() == 0


async def test_run_to_end_returns_the_result_when_not_cancelled() -> None:
    async def work() -> int:
        await asyncio.sleep(0)
        return 7

    assert await run_to_end(work()) == 7


async def test_run_to_end_defers_every_cancel_until_the_work_is_done() -> None:
    release, finished = asyncio.Event(), []

    async def work() -> None:
        await release.wait()
        finished.append(True)

    task = asyncio.create_task(run_to_end(work()))
    await _turns()
    task.cancel()
    await _turns()
    task.cancel()  # a second cancel (a shutdown after a cancel request) is deferred alike
    await _turns()
    assert not task.done()
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert finished == [True]


async def test_keyed_locks_are_shared_while_used_and_gone_after() -> None:
    locks: KeyedLocks[str] = KeyedLocks()
    order: list[str] = []

    async def hold(name: str) -> None:
        async with locks("doc"):
            order.append(f"{name} in")
            await asyncio.sleep(0.01)
            order.append(f"{name} out")

    await asyncio.gather(hold("a"), hold("b"), hold("c"))
    assert order == ["a in", "a out", "b in", "b out", "c in", "c out"]  # one at a time: the same lock
    assert len(locks) == 0


async def test_no_lock_is_left_after_many_jobs_and_their_failures(tmp_path: Path) -> None:
    data = DataManager(tmp_path / "data")
    await data.open()
    jobs = [
        await data.create_job(Job(topic="t" * 10, age_group=AgeGroup.YOUNG, seed=1, providers=Providers(text="t")))
        for _ in range(20)
    ]

    def refuse(job: Job) -> None:
        raise ValueError("refused")

    changes = [data.update_job(job.id, store_panel) for job in jobs for _ in range(3)]
    failures = [data.update_job(job.id, refuse) for job in jobs[:5]]
    outcomes = await asyncio.gather(*changes, *failures, return_exceptions=True)
    assert sum(isinstance(outcome, ValueError) for outcome in outcomes) == 5
    assert [len(stored.panels) for stored in await data.jobs.all()] == [3] * 20
    assert data.jobs.locked() == 0
