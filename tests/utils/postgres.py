"""Helpers for tests against a real PostgreSQL: psql as a user runs it, and table snapshots."""

from __future__ import annotations

import subprocess
import warnings
from pathlib import Path
from typing import Any

import psycopg

from app.storage.relational.schema import TABLES

with warnings.catch_warnings():
    # platformdirs warns at import time when XDG_RUNTIME_DIR is unset (containers, CI).
    warnings.simplefilter("ignore")
    import pgserver
    from pgserver.postgres_server import POSTGRES_BIN_PATH

__all__ = ["PSQL", "as_dicts", "pgserver", "psql", "table_rows"]

# The psql that ships with pgserver's PostgreSQL, so no system client is needed.
PSQL = POSTGRES_BIN_PATH / "psql"


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
