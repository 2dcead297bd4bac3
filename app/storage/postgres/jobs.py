"""Jobs in the `jobs` table: one row each, its own columns plus `data` (jsonb) with the rest of the record.

Lists and counts are queries (the status and creation-time indexes answer them), not an index in
memory: other instances will share the table. An update is a transaction that reads the row with
`SELECT ... FOR UPDATE`, so a concurrent update of the same job, from this process or another,
waits for it and then reads what it wrote. Within this process a per-job asyncio lock also keeps
the writers in order, so `stored` (which publishes the write) is called in the order of the
commits, and waiting writers do not each hold a pooled connection.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from uuid import UUID

from app.errors import Conflict, JobNotFound
from app.models.records import Job
from app.models.states import JobStatus, JobStep
from app.models.transitions import UNSETTLED
from app.storage.critical import KeyedLocks, run_to_end
from app.storage.documents import JobCounts
from app.storage.postgres import statements as sql
from app.storage.postgres.connect import Database
from app.storage.postgres.corrupt import CorruptRows
from app.storage.relational.records import job_of
from app.storage.relational.rows import Row, job_row
from app.storage.relational.schema import JOBS

log = logging.getLogger("fable.jobs")

_NEWEST_FIRST = "ORDER BY created_at DESC, id DESC"  # the file store's index order, reversed


def _where(row: Row) -> str:
    return f"jobs/{row.get('id')}"


class PgJobs:
    """`documents.JobRecords` on the `jobs` table."""

    def __init__(self, db: Database, corrupt: CorruptRows) -> None:
        self._db = db
        self._corrupt = corrupt
        self._locks: KeyedLocks[UUID] = KeyedLocks()

    async def create(self, job: Job, stored: Callable[[Job], None]) -> None:
        """Insert a new job; raises Conflict when its id is taken."""
        async with self._locks(job.id):
            await run_to_end(self._create(job, stored))

    async def _create(self, job: Job, stored: Callable[[Job], None]) -> None:
        async with self._db.connection() as conn:
            cursor = await conn.execute(
                sql.insert(JOBS, on_conflict="ON CONFLICT (id) DO NOTHING RETURNING id"),
                sql.params(JOBS, job_row(job)),
            )
            if await cursor.fetchone() is None:
                raise Conflict(f"{str(job.id)!r} already exists")
        stored(job)

    async def get(self, job_id: UUID) -> Job:
        """One job; raises JobNotFound, or CorruptDocument for a row that is not a valid job."""
        async with self._db.connection() as conn:
            cursor = await conn.execute(sql.select(JOBS, "id = %s"), (job_id,))
            row = await cursor.fetchone()
        if row is None:
            raise JobNotFound(f"no record with id {job_id}")
        return self._corrupt.read(_where(row), row, job_of)

    async def peek(self, job_id: UUID) -> Job:
        """The job as stored: a read by key is cheap here, and another instance may have written it."""
        return await self.get(job_id)

    async def update(self, job_id: UUID, change: Callable[[Job], Job], stored: Callable[[Job], None]) -> Job:
        """Read the job for update, store `change(job)` and commit; then call `stored` (see the module's notes)."""
        async with self._locks(job_id):
            return await run_to_end(self._update(job_id, change, stored))

    async def _update(self, job_id: UUID, change: Callable[[Job], Job], stored: Callable[[Job], None]) -> Job:
        async with self._db.connection() as conn, conn.transaction():
            cursor = await conn.execute(sql.select(JOBS, "id = %s", for_update=True), (job_id,))
            row = await cursor.fetchone()
            if row is None:
                raise JobNotFound(f"no record with id {job_id}")
            new = change(self._corrupt.read(_where(row), row, job_of))  # raising here rolls back: nothing written
            await conn.execute(sql.update(JOBS), sql.params(JOBS, job_row(new)))
        stored(new)  # committed: only now may anyone hear of it
        return new

    async def delete(self, job_id: UUID) -> None:
        """Remove a job if it is stored (its comic, if any, keeps its row with `job_id` NULL)."""
        async with self._db.connection() as conn:
            await conn.execute("DELETE FROM jobs WHERE id = %s", (job_id,))
        self._corrupt.forget(f"jobs/{job_id}")

    async def page(self, status: JobStatus | None, limit: int, offset: int) -> tuple[int, list[Job]]:
        """A page newest first, optionally of one status, and how many match; unreadable rows are skipped."""
        where, args = ("status = %s", [str(status)]) if status is not None else ("", [])
        async with self._db.connection() as conn:
            cursor = await conn.execute(f"SELECT count(*) AS total FROM jobs {'WHERE ' + where if where else ''}", args)
            counted = await cursor.fetchone()
            cursor = await conn.execute(
                f"{sql.select(JOBS, where)} {_NEWEST_FIRST} LIMIT %s OFFSET %s", [*args, limit, offset]
            )
            rows = await cursor.fetchall()
        total = 0 if counted is None else int(counted["total"])
        return total, self._corrupt.read_all(rows, _where, job_of)

    async def counts(self) -> JobCounts:
        """Jobs per (status, step), counted by the database."""
        async with self._db.connection() as conn:
            cursor = await conn.execute("SELECT status, step, count(*) AS n FROM jobs GROUP BY status, step")
            rows = await cursor.fetchall()
        counts: JobCounts = {}
        for row in rows:
            try:
                counts[JobStatus(row["status"]), JobStep(row["step"])] = int(row["n"])
            except ValueError:  # a row written by hand with a state the service does not know
                log.warning("jobs with unknown status/step %s/%s not counted", row["status"], row["step"])
        return counts

    async def unsettled(self) -> list[Job]:
        """The readable jobs stored as pending or processing, oldest first (left mid-step, at start-up)."""
        states = [str(status) for status in UNSETTLED]
        async with self._db.connection() as conn:
            cursor = await conn.execute(f"{sql.select(JOBS, 'status = ANY(%s)')} ORDER BY created_at, id", (states,))
            rows = await cursor.fetchall()
        return self._corrupt.read_all(rows, _where, job_of)
