"""Apply an export straight to a PostgreSQL database (a Supabase direct connection string works).

The schema and every data statement run in one transaction: the database gets all of the export
or, on any error, none of it. The statements are the ones data.sql holds.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from app.errors import ExportFailed
from app.export.sql import data_statements
from app.storage.relational.schema import TABLES, schema_sql
from app.storage.relational.tables import ExportTables

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

_CONNECT_TIMEOUT_SECONDS = 15


def redact(url: str) -> str:
    """`url` with its password replaced, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def apply_to_database(url: str, tables: ExportTables) -> dict[str, int]:
    """Create the tables if needed and upsert every row in one transaction; returns rows per table now stored.

    Raises ExportFailed, with the server's message, when the connection or any statement fails.
    """
    import psycopg  # here, not at the top: `main.py` loads this module for every command, and only export uses it

    try:
        with psycopg.connect(
            url, connect_timeout=_CONNECT_TIMEOUT_SECONDS, client_encoding="UTF8", autocommit=True
        ) as conn:
            with conn.transaction(), conn.cursor() as cur:
                # The statements' literals are written for this setting, whatever the server's default.
                cur.execute("SET LOCAL standard_conforming_strings = on")
                cur.execute(schema_sql())
                for statement in data_statements(tables):
                    cur.execute(statement)
                counts = {t.name: cur.execute(f"SELECT count(*) FROM {t.name}").fetchone()[0] for t in TABLES}
            _refresh_statistics(conn)
    except psycopg.Error as exc:
        message = str(exc).strip() or type(exc).__name__
        raise ExportFailed(f"{redact(url)}: {message} (nothing was written)") from exc
    log.info("export applied to %s: %s", redact(url), counts)
    return counts


def _refresh_statistics(conn: psycopg.Connection) -> None:
    """VACUUM (ANALYZE) the tables just loaded, after the commit (VACUUM cannot run in a transaction).

    Until autovacuum gets to them (a minute or more), a freshly loaded database has no statistics:
    the planner guessed 37 completed jobs out of 10,000 and sorted every job for each page of
    `GET /jobs` (12 ms a page at 10,000 jobs, against an index walk); the vacuum's visibility map
    also lets the counts read the indexes alone. The rows are in whether or not this works: a role
    that may not vacuum only leaves it to autovacuum.
    """
    import psycopg  # see apply_to_database

    try:
        conn.execute(f"VACUUM (ANALYZE) {', '.join(table.name for table in TABLES)}")
    except psycopg.Error as exc:
        log.warning("export: the tables were loaded, but not vacuumed and analyzed: %s", exc)
