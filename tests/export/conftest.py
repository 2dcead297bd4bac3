"""A real PostgreSQL for the export tests: one server per session (the `pgserver` wheel), a fresh database per test.

pgserver ships PostgreSQL 16 and its client tools (psql included) as a wheel, so a plain
`pip install` is all a machine needs; it runs the server as an unprivileged user when the tests run
as root. The server listens on a Unix socket only.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
import pytest

from tests.utils.postgres import pgserver


@pytest.fixture(scope="session")
def postgres() -> Iterator[Any]:
    """A PostgreSQL server for the whole session, removed at the end."""
    pgdata = Path(tempfile.mkdtemp(prefix="fable-pg-"))
    server = pgserver.get_server(pgdata, cleanup_mode="delete")
    try:
        yield server
    finally:
        server.cleanup()
        shutil.rmtree(pgdata, ignore_errors=True)


@pytest.fixture
def database(postgres: Any) -> Iterator[str]:
    """The URL of a new, empty database, dropped after the test."""
    name = f"fable_{uuid4().hex[:12]}"
    with psycopg.connect(postgres.get_uri(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield postgres.get_uri(name)
    with psycopg.connect(postgres.get_uri(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
