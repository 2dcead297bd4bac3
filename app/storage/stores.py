"""The one place that picks the document store from the settings: PostgreSQL with DATABASE_URL, else the folders.

The PostgreSQL package (and psycopg's pool with it) is imported only when DATABASE_URL is set, so a
file store's start-up does not pay for it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from app.storage.data_manager import DataManager
from app.storage.documents import DocumentStore
from app.storage.file_documents import FileDocuments
from app.storage.relational.tables import DEFAULT_BUCKET
from config import Settings


def document_store(settings: Settings) -> DocumentStore:
    """The store the settings name, not opened yet (its `open` connects and migrates)."""
    if settings.database_url is None:
        return FileDocuments(settings.data_dir)
    from app.storage.postgres.store import PostgresDocuments

    # The images rows name the bucket the images are in; with the images folder, the export's default.
    bucket = settings.s3_bucket if settings.image_store == "s3" else DEFAULT_BUCKET
    return PostgresDocuments(settings.database_url, bucket)


def prime_document_store(settings: Settings) -> bool:
    """Begin what the store can do before it is opened, in a child process; call it before any thread starts.

    The file store parses its job heads into the start-up cache (see `head_primer`); the database has
    nothing to begin. Returns whether a child was started.
    """
    if settings.database_url is not None:
        return False  # and no pool made only to be dropped
    return FileDocuments(settings.data_dir).prime()


async def check_document_store(settings: Settings) -> None:
    """Open and close the store: for the database, connect and bring the schema up to date.

    Raises StorageUnavailable, in one line, when it cannot be used; `serve` calls this before it binds its port.
    """
    if settings.database_url is None:
        return
    store = document_store(settings)
    try:
        await store.open()
    finally:
        await store.aclose()


@asynccontextmanager
async def reading_store(settings: Settings) -> AsyncIterator[DataManager]:
    """A DataManager to read records that another process serves (the CLI's `generate` through a server).

    The folders are read unopened, as `doctor` reads them: opening would index them and write the
    start-up cache of a folder the server owns. A database is connected, and closed afterwards.
    """
    store = document_store(settings)
    if isinstance(store, FileDocuments):
        yield DataManager(settings.data_dir, documents=store)
        return
    await store.open()
    try:
        yield DataManager(settings.data_dir, documents=store)
    finally:
        await store.aclose()
