"""Helpers for tests against a real PostgreSQL: the server, psql as a user runs it, and table snapshots.

pgserver ships PostgreSQL 16 and its client tools (psql included) as a wheel, so a plain
`pip install` is all a machine needs; it runs the server as an unprivileged user when the tests run
as root. The server listens on a Unix socket only: nothing leaves the machine.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any
from uuid import uuid4

import psycopg

from app.storage.relational.schema import TABLES

with warnings.catch_warnings():
    # platformdirs warns at import time when XDG_RUNTIME_DIR is unset (containers, CI).
    warnings.simplefilter("ignore")
    import pgserver
    from pgserver.postgres_server import POSTGRES_BIN_PATH

__all__ = ["PSQL", "PostgresServer", "as_dicts", "pgserver", "psql", "table_rows"]

# The psql that ships with pgserver's PostgreSQL, so no system client is needed.
PSQL = POSTGRES_BIN_PATH / "psql"


class PostgresServer:
    """One PostgreSQL server in a temporary folder, removed on exit; `database()` makes a fresh database."""

    def __enter__(self) -> PostgresServer:
        self._pgdata = Path(tempfile.mkdtemp(prefix="fable-pg-"))
        self._server = pgserver.get_server(self._pgdata, cleanup_mode="delete")
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._server.cleanup()
        shutil.rmtree(self._pgdata, ignore_errors=True)

    def get_uri(self, name: str = "postgres") -> str:
        """The URL of database `name` (the server's own by default)."""
        return self._server.get_uri(name)

    @contextmanager
    def database(self) -> Iterator[str]:
        """The URL of a new, empty database, dropped (connections and all) on exit."""
        name = f"fable_{uuid4().hex[:12]}"
        with psycopg.connect(self.get_uri(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            yield self.get_uri(name)
        finally:
            with psycopg.connect(self.get_uri(), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def psql(url: str, *files: Path) -> subprocess.CompletedProcess[str]:
    """Run `psql URL -v ON_ERROR_STOP=1 -f FILE ...` as a user would; fails the test on any error."""
    args = [str(PSQL), url, "-X", "-q", "-v", "ON_ERROR_STOP=1"]
    for file in files:
        args += ["-f", str(file)]
    result = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result


def table_rows(url: str, *, with_xmin: bool = False) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every export table, ordered by key; with `xmin`, each row's writing transaction too."""
    rows = {}
    with psycopg.connect(url) as conn:
        for table in TABLES:
            columns = ", ".join(("xmin::text", *table.column_names) if with_xmin else table.column_names)
            rows[table.name] = conn.execute(f"SELECT {columns} FROM {table.name} ORDER BY {table.key}").fetchall()
    return rows


def as_dicts(url: str) -> dict[str, dict[Any, dict[str, Any]]]:
    """Every row of every export table as a dict, keyed by the table's key."""
    out = {}
    with psycopg.connect(url) as conn:
        for table in TABLES:
            cursor = conn.execute(f"SELECT {', '.join(table.column_names)} FROM {table.name}")
            out[table.name] = {row[0]: dict(zip(table.column_names, row, strict=True)) for row in cursor}
    return out
