"""`documents.DocumentStore` on PostgreSQL: the pool, the schema at start-up, and the store's condition."""

from __future__ import annotations

import logging
from uuid import UUID

import psycopg

from app.errors import StorageUnavailable
from app.storage.documents import DocumentUsage
from app.storage.health import PlaceCheck
from app.storage.postgres.characters import PgCharacters, PgReferences
from app.storage.postgres.comics import PgComics
from app.storage.postgres.connect import Database, connect, redact, unusable
from app.storage.postgres.corrupt import CorruptRows
from app.storage.postgres.jobs import PgJobs
from app.storage.postgres.migrate import migrate, schema_version
from app.storage.relational.schema import ALL_TABLES

log = logging.getLogger(__name__)

# /health answers within a second or two even when the database hangs.
_HEALTH_TIMEOUT_SECONDS = 2.0
_TABLE_NAMES = [table.name for table in ALL_TABLES]


class PostgresDocuments:
    """Jobs, comics, custom characters and references in the database at `url`."""

    kind = "postgres"

    def __init__(self, url: str, bucket: str) -> None:
        """`bucket`: what the images rows name as the images' bucket (see `comics.py`)."""
        self._url = url
        self._db = Database(url)
        self._corrupt = CorruptRows()
        self.jobs = PgJobs(self._db, self._corrupt)
        self.comics = PgComics(self._db, self._corrupt, bucket)
        self.characters = PgCharacters(self._db, self._corrupt)
        self.references = PgReferences(self._db, self._corrupt)

    async def open(self, *, check_later: bool = False) -> None:
        """Bring the schema up to date, then open the pool; raises StorageUnavailable in one line."""
        conn = await connect(self._url)
        try:
            version = await migrate(conn)
        except psycopg.Error as exc:
            raise unusable(self._url, exc) from exc
        finally:
            await conn.close()
        await self._db.open()
        log.info("documents in %s, schema version %d", redact(self._url), version)

    async def check(self) -> None:
        """Nothing to check in the background: rows are validated when read."""

    async def aclose(self) -> None:
        """Close every pooled connection."""
        await self._db.aclose()

    def unreadable(self) -> dict[str, str]:
        """`<table>/<key>` -> why, for every row found not to make a valid record."""
        return self._corrupt.found()

    async def health(self) -> PlaceCheck:
        """Whether a pooled connection answers, and the schema version the database has."""
        try:
            async with self._db.connection(wait=_HEALTH_TIMEOUT_SECONDS) as conn:
                version = await schema_version(conn)
        except StorageUnavailable as exc:
            return PlaceCheck("postgres", str(exc))
        return PlaceCheck("postgres", None, version)

    async def usage(self) -> DocumentUsage:
        """Counts by query, and the bytes of the store's tables with their indexes and TOAST."""
        async with self._db.connection() as conn:
            cursor = await conn.execute(
                """SELECT (SELECT count(*) FROM jobs) AS jobs, (SELECT count(*) FROM comics) AS comics,
                          (SELECT count(*) FROM characters WHERE custom) AS characters,
                          (SELECT coalesce(sum(pg_total_relation_size(to_regclass(name))), 0)
                           FROM unnest(%s::text[]) AS name) AS bytes""",
                (_TABLE_NAMES,),
            )
            row = await cursor.fetchone()
        if row is None:  # an aggregate always answers one row; this keeps the type checker honest
            return DocumentUsage(0, 0, 0, 0)
        return DocumentUsage(int(row["jobs"]), int(row["comics"]), int(row["characters"]), int(row["bytes"]))

    def location(self, comic_id: UUID) -> str:
        """The comic's row, and the database (without its password)."""
        return f"comics row {comic_id} in {redact(self._url)}"
