"""Background work: one asyncio task per running job step, inside the server process.

A step is persisted as `processing` before its task starts, and every outcome is persisted by
the task itself: success by the step, failure here. If the process dies, the job is still
`processing` on disk and is marked `interrupted` at the next start-up, ready for `retry`.

Cancelling is ordered so that a cancelled job stays cancelled: a write the step has begun ends
under the job's lock before the cancel reaches the step (`DataManager.update_job`), the task
ends only after its last write (the usage below included), and `cancel` returns only once the
task has ended. The `cancelled` status, written after that (`ComicService.cancel`), is the last
write of the step: none of the step's can land on top of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any
from uuid import UUID

from app.errors import FableError, IllegalTransition, JobNotFound
from app.models.records import Job, Usage
from app.models.states import JobStatus
from app.models.transitions import move
from app.providers.usage import metering, take
from app.storage.critical import run_to_end
from app.storage.data_manager import DataManager
from external_services import ProviderError

log = logging.getLogger("fable.jobs")


class JobRunner:
    """Starts, tracks and stops the background tasks of jobs."""

    def __init__(self, data: DataManager) -> None:
        self._data = data
        self._tasks: dict[UUID, asyncio.Task[None]] = {}
        self._idle = asyncio.Event()  # set while no step runs: background work (the PDFs) waits for it
        self._idle.set()

    def start(self, job_id: UUID, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` for `job_id` in the background; a failure marks the job failed."""
        task = asyncio.create_task(self._run(job_id, work), name=f"job-{job_id}")
        self._tasks[job_id] = task
        self._idle.clear()
        task.add_done_callback(lambda done: self._forget(job_id, done))

    def _forget(self, job_id: UUID, task: asyncio.Task[None]) -> None:
        # A retry may already have registered a newer task for the same job.
        if self._tasks.get(job_id) is task:
            del self._tasks[job_id]
        if not self._tasks:
            self._idle.set()

    async def idle(self) -> None:
        """Return once no step of any job is running (at once when none is)."""
        await self._idle.wait()

    def is_running(self, job_id: UUID) -> bool:
        """Whether a task of this job is alive in this process."""
        return job_id in self._tasks

    async def cancel(self, job_id: UUID) -> None:
        """Stop the job's running task (if any) and wait until it has stopped."""
        task = self._tasks.get(job_id)
        if task is not None:
            task.cancel()
            await asyncio.wait([task])

    async def wait(self, job_id: UUID) -> None:
        """Wait until the job's current task (if any) has finished."""
        task = self._tasks.get(job_id)
        if task is not None:
            await asyncio.wait([task])

    async def _run(self, job_id: UUID, work: Coroutine[Any, Any, None]) -> None:
        with metering():
            try:
                await self._step(job_id, work)
            finally:
                rest = take()  # what the step's last writes did not carry
                if rest is not None:  # written before the task ends, even when it was cancelled
                    await run_to_end(self._bill(job_id, rest))

    async def _bill(self, job_id: UUID, usage: Usage) -> None:
        with contextlib.suppress(JobNotFound):  # deleted while its step ran
            # Through `billed` too: anything counted since `rest` was taken goes into the same write.
            await self._data.update_job(job_id, billed(lambda job: add_usage(job, usage)))

    async def _step(self, job_id: UUID, work: Coroutine[Any, Any, None]) -> None:
        try:
            await work
        except IllegalTransition as exc:  # a domain error, but no step should ever make one: a bug
            await self._bug(job_id, exc)
        except (FableError, ProviderError) as exc:
            await self._fail(job_id, str(exc))
        except asyncio.CancelledError:
            # Shutdown leaves the job `processing` (found interrupted at next start); a cancel
            # request marks it `cancelled` once the task has stopped.
            raise
        except Exception as exc:  # a bug, not a provider fault
            await self._bug(job_id, exc)

    async def _bug(self, job_id: UUID, exc: Exception) -> None:
        # The traceback is kept and the job fails. If the job cannot fail from where it is, that
        # IllegalTransition ends the task (asyncio logs it when the task is collected).
        log.exception("job %s: unexpected error", job_id, exc_info=exc)
        await self._fail(job_id, f"internal error: {type(exc).__name__}: {exc}")

    async def _fail(self, job_id: UUID, message: str) -> None:
        def mark(job: Job) -> None:
            move(job, JobStatus.FAILED, error=message)

        try:
            await self._data.update_job(job_id, billed(mark))
        except JobNotFound:  # deleted while its step was running: nothing left to mark
            log.info("job %s: failed after it was deleted: %s", job_id, message)

    async def shutdown(self) -> None:
        """Cancel every running task and wait for them to stop."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def billed(change: Callable[[Job], None]) -> Callable[[Job], None]:
    """`change`, then what the current meter counted since it was last taken added to the job's usage.

    A step passes its writes of its own job through this, so a state change and what the step has
    cost so far are written, and seen, together. The meter is a context variable: outside a
    metered step or preparation there is nothing to take, and the change is applied alone.
    """

    def apply(job: Job) -> None:
        change(job)
        taken = take()
        if taken is not None:
            add_usage(job, taken)

    return apply


def add_usage(job: Job, usage: Usage) -> None:
    """Add what a step (or a background preparation) cost to the job's running total."""
    job.usage.llm_calls += usage.llm_calls
    job.usage.llm_tokens += usage.llm_tokens
    job.usage.images += usage.images
