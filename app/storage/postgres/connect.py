"""Connections to the database: one pool per process, and errors that say in one line what is wrong.

Every connection runs in autocommit, so a read is one round trip; writes open a transaction
explicitly (`conn.transaction()`). Rows come back as dicts, the shape `relational/records.py` reads.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg.adapt import AdaptersMap
from psycopg.rows import DictRow, dict_row
from psycopg.types.json import set_json_loads
from psycopg_pool import AsyncConnectionPool
from pydantic_core import from_json

from app.errors import StorageUnavailable

log = logging.getLogger(__name__)

# A start-up against a host that drops packets would otherwise wait for the OS's TCP timeout (minutes).
CONNECT_TIMEOUT_SECONDS = 10
# Connections one instance keeps: requests are short; the bigger share of the server's connection
# limit (Supabase's smallest plans allow 60) is left to other instances and tools.
POOL_MIN, POOL_MAX = 1, 10

Connection = psycopg.AsyncConnection[DictRow]
Pool = AsyncConnectionPool[Connection]

# jsonb values (a job's `data` holds its scenes and panels) parsed by pydantic's JSON parser, about
# twice as fast as the json module's here: a page of 20 jobs parses 40 documents.
_ADAPTERS = AdaptersMap(psycopg.adapters)
set_json_loads(from_json, _ADAPTERS)


def redact(url: str) -> str:
    """`url` with its password replaced, for messages and logs (`/health` is served without a token)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)))


def unusable(url: str, exc: BaseException) -> StorageUnavailable:
    """The error a database that cannot be used gives: one line, naming it without its password."""
    # libpq's messages run over several lines (the address tried, a hint); a start-up error is one.
    message = re.sub(r"\s+", " ", str(exc)).strip() or type(exc).__name__
    return StorageUnavailable(f"the database {redact(url)} cannot be used: {message}")


async def connect(url: str) -> Connection:
    """One connection outside the pool (for the migrations); raises StorageUnavailable."""
    try:
        return await psycopg.AsyncConnection.connect(
            url, autocommit=True, row_factory=dict_row, connect_timeout=CONNECT_TIMEOUT_SECONDS, context=_ADAPTERS
        )
    except psycopg.Error as exc:
        raise unusable(url, exc) from exc


class Database:
    """The pool of one database; a connection that fails on the way is a StorageUnavailable (503), not a 500."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.pool = _make_pool(url)  # opened by `open`: making one needs no event loop, opening one does

    async def open(self) -> None:
        """Open the pool and wait for its first connection; raises StorageUnavailable."""
        try:
            await self.pool.open(wait=True, timeout=CONNECT_TIMEOUT_SECONDS)
        except psycopg.Error as exc:  # PoolTimeout is one: the server went away since the migrations
            await self.pool.close()
            raise unusable(self.url, exc) from exc
        log.info("connected to %s", redact(self.url))

    async def aclose(self) -> None:
        """Close every pooled connection."""
        await self.pool.close()

    @asynccontextmanager
    async def connection(self, wait: float | None = None) -> AsyncIterator[Connection]:
        """A pooled connection (waiting at most `wait` s for one, default 30); raises StorageUnavailable
        when the database cannot be reached or drops it."""
        try:
            async with self.pool.connection(timeout=wait) as conn:
                yield conn
        except psycopg.OperationalError as exc:  # PoolTimeout too; errors of a statement itself pass through
            raise unusable(self.url, exc) from exc


def _make_pool(url: str) -> Pool:
    return AsyncConnectionPool(
        url,
        connection_class=psycopg.AsyncConnection[DictRow],
        kwargs={
            "autocommit": True,
            "row_factory": dict_row,
            "connect_timeout": CONNECT_TIMEOUT_SECONDS,
            "context": _ADAPTERS,
        },
        min_size=POOL_MIN,
        max_size=POOL_MAX,
        open=False,
        name="fable",
    )
