"""The schema, brought up to date at start-up: the migrations a database has not had, in order.

Every migration runs in one transaction with the ledger row that records it, so a database has
each one whole or not at all. The whole run holds a transaction-level advisory lock: two instances
starting at once take turns, and the second finds nothing left to do. (A transaction-level lock,
unlike a session one, also works through a transaction pooler.) Migrations are written to be
idempotent (`IF NOT EXISTS`), because a database loaded from an export has the tables that
schema.sql creates but perhaps no ledger; running one again changes nothing.
"""

from __future__ import annotations

import logging

from app.errors import StorageUnavailable
from app.storage.postgres.connect import Connection
from app.storage.relational.schema import SCHEMA_VERSION, migrations

log = logging.getLogger(__name__)

# Any constant would do; this one spells "fable" so that pg_locks says whose lock it is.
MIGRATION_LOCK = 0x6661626C65

_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     integer PRIMARY KEY,
    applied_at  timestamptz NOT NULL DEFAULT now()
)
"""


async def schema_version(conn: Connection) -> int | None:
    """The last migration the database has had; None when it has no ledger yet."""
    cursor = await conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL AS present")
    row = await cursor.fetchone()
    if row is None or not row["present"]:
        return None
    cursor = await conn.execute("SELECT coalesce(max(version), 0) AS version FROM schema_migrations")
    row = await cursor.fetchone()
    return None if row is None else int(row["version"])


async def migrate(conn: Connection) -> int:
    """Apply the missing migrations; returns the schema version. Raises StorageUnavailable for a newer database."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        # The ledger's own DDL is not a migration: it must exist before the version can be read.
        await conn.execute("SET LOCAL client_min_messages = warning")  # "already exists, skipping"
        await conn.execute(_LEDGER)
        current = await schema_version(conn) or 0
        if current > SCHEMA_VERSION:
            raise StorageUnavailable(
                f"the database has schema version {current}, newer than this service's {SCHEMA_VERSION}:"
                " run a newer version of the service"
            )
        for version, sql in migrations():
            if version > current:
                await conn.execute(sql)  # several statements: psycopg sends them as one simple query
                await conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (version,))
                log.info("database schema migrated to version %d", version)
    return SCHEMA_VERSION if current < SCHEMA_VERSION else current
