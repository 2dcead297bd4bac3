"""A folder of JSON documents, one file per record, written atomically and updated under a lock."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError

from app.errors import Conflict, CorruptDocument, NotFound
from app.storage import head_primer
from app.storage.critical import KeyedLocks, run_to_end
from app.storage.head_scan import cache_file, scan_heads
from app.storage.tally import Tally, size_or_none
from app.storage.write_threads import in_write_thread
from utils import atomic_write_bytes

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
H = TypeVar("H", bound=BaseModel)

# Keys become file names, so only these shapes are ever joined to a path: a canonical UUID or a
# lower-case slug. Anything else is rejected before the file system is touched.
_SAFE_KEY = re.compile(r"^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z][a-z0-9_]{1,39})$")


def is_document_key(key: str) -> bool:
    """Whether `key` can name a stored document: a canonical UUID or a lower-case slug."""
    return bool(_SAFE_KEY.match(key))


class _AnyDocument(BaseModel):
    """A head with no fields: parsing a document into it only checks that it is a whole JSON object."""


class JsonStore(Generic[M]):
    """Documents of one model type in one folder.

    Reads and writes run in a worker thread; `update` holds a per-document asyncio lock across
    read-modify-write so that concurrent updates of one document never lose each other's changes
    (this process is the only writer of DATA_DIR). A cancel while a task waits for the lock
    aborts it; once it holds the lock, its read, write and `stored` callback finish first (see
    `critical.run_to_end`), so a cancel never lets a write go on outside the lock. Document
    count and bytes are kept as running totals (`Tally`), set by the first scan and adjusted by
    every write and delete.
    """

    def __init__(self, folder: Path, model: type[M], not_found: type[NotFound]) -> None:
        self.folder = folder
        self._model = model
        self._not_found = not_found
        self._locks: KeyedLocks[str] = KeyedLocks()  # freed when unused: one per document being changed
        self._tally = Tally()
        # Key -> why, for each document found unreadable (by the start-up scan or a read); a document
        # leaves it when it is written again or deleted. Health and stats report these.
        self._corrupt: dict[str, str] = {}

    def path_for(self, key: str) -> Path:
        """The file of one document; raises the store's NotFound for keys that cannot be ids."""
        if not _SAFE_KEY.match(key):
            raise self._not_found(f"no record with id {key!r}")
        return self.folder / f"{key}.json"

    def read(self, key: str) -> M:
        """The document stored under `key`, read in the calling thread (blocking: async code uses `get`)."""
        path = self.path_for(key)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise self._not_found(f"no record with id {key}") from None
        try:
            doc = self._model.model_validate_json(raw)
        except ValidationError as exc:
            self._corrupt[key] = exc.errors()[0]["msg"]
            raise CorruptDocument(f"stored document {path.name} is corrupt: {exc.errors()[0]['msg']}") from exc
        self._corrupt.pop(key, None)  # mended by hand since it was found
        return doc

    def _write(self, key: str, doc: M) -> None:
        path, data = self.path_for(key), doc.model_dump_json(indent=2).encode()
        old_size = size_or_none(path)  # callers hold the key's lock, so nothing changes it meanwhile
        atomic_write_bytes(path, data)
        self._tally.replaced(old_size, len(data))
        self._corrupt.pop(key, None)

    def _unlink(self, path: Path) -> None:
        size = path.stat().st_size
        path.unlink()
        self._tally.removed(1, size)
        self._corrupt.pop(path.stem, None)

    async def get(self, key: str) -> M:
        """The document stored under `key`."""
        return await asyncio.to_thread(self.read, key)

    def _read_many(self, keys: list[str]) -> list[M | NotFound | CorruptDocument]:
        found: list[M | NotFound | CorruptDocument] = []
        for key in keys:
            try:
                found.append(self.read(key))
            except (NotFound, CorruptDocument) as exc:
                found.append(exc)
        return found

    async def get_many(self, keys: list[str]) -> list[M | NotFound | CorruptDocument]:
        """The documents under `keys` in one worker-thread trip (a page costs one hop, not one per document).

        A missing or corrupt document comes back as its exception, in its place, instead of failing the rest.
        """
        return await asyncio.to_thread(self._read_many, keys)

    async def put(self, key: str, doc: M) -> None:
        """Store `doc` under `key`, replacing any previous version."""
        async with self._locks(key):
            await run_to_end(in_write_thread(self._write, key, doc))

    async def create(self, key: str, doc: M, stored: Callable[[M], None] | None = None) -> None:
        """Store a new document; raises Conflict when `key` is taken. `stored`: as for `update`."""
        async with self._locks(key):
            await run_to_end(self._create(key, doc, stored))

    async def _create(self, key: str, doc: M, stored: Callable[[M], None] | None) -> None:
        if await asyncio.to_thread(self.path_for(key).exists):
            raise Conflict(f"{key!r} already exists")
        await in_write_thread(self._write, key, doc)
        if stored is not None:
            stored(doc)

    async def update(self, key: str, change: Callable[[M], M], stored: Callable[[M], None] | None = None) -> M:
        """Apply `change` to the stored document and store the result, atomically per document.

        `change` gets a freshly read copy that nobody else holds (it may edit it in place) and may
        raise to abort; nothing is written then. `stored` is called with the result once it is on
        disk, still under the lock, so that what it announces follows the order of the writes.
        """
        async with self._locks(key):
            return await run_to_end(self._update(key, change, stored))

    async def _update(self, key: str, change: Callable[[M], M], stored: Callable[[M], None] | None) -> M:
        new = change(await asyncio.to_thread(self.read, key))
        await in_write_thread(self._write, key, new)
        if stored is not None:
            stored(new)
        return new

    async def upsert(self, key: str, change: Callable[[M], M], make: Callable[[], M]) -> M:
        """`update`, starting from `make()` when nothing is stored under `key` yet."""

        def read_or_make() -> M:
            try:
                return self.read(key)
            except self._not_found:
                return make()

        async def read_change_write() -> M:
            new = change(await asyncio.to_thread(read_or_make))
            await in_write_thread(self._write, key, new)
            return new

        async with self._locks(key):
            return await run_to_end(read_change_write())

    async def delete(self, key: str) -> None:
        """Remove a document; raises NotFound when there is none."""
        path = self.path_for(key)
        async with self._locks(key):
            try:
                await run_to_end(in_write_thread(self._unlink, path))
            except FileNotFoundError:
                raise self._not_found(f"no record with id {key}") from None

    def locked(self) -> int:
        """How many documents have a lock right now (held or awaited); zero once every change has ended."""
        return len(self._locks)

    def read_all(self) -> list[M]:
        """Every readable document, read in the calling thread (blocking: async code uses `all`)."""
        docs = []
        for path in sorted(self.folder.glob("*.json")):
            try:
                docs.append(self.read(path.stem))
            except (CorruptDocument, NotFound) as exc:
                log.warning("skipping unreadable document %s: %s", path, exc)
        return docs

    async def all(self) -> list[M]:
        """Every readable document; unreadable ones are logged and skipped."""
        return await asyncio.to_thread(self.read_all)

    def _count(self) -> None:
        # A scan for no fields at all still parses each changed document, which finds the unreadable ones.
        self._scan(_AnyDocument)

    def _scan(self, head: type[H], *, tally: bool = True) -> list[H]:
        cache = cache_file(self.folder)
        problems: dict[str, str] = {}
        heads, count, size = scan_heads(self.folder, head, is_document_key, cache, problems)
        if tally:
            self._tally.reset(count, size)
        self._corrupt.update({name.removesuffix(".json"): why for name, why in problems.items()})
        return heads

    def _count_files(self) -> None:
        count = size = 0
        with contextlib.suppress(FileNotFoundError), os.scandir(self.folder) as entries:
            for entry in entries:
                if entry.name.endswith(".json"):
                    with contextlib.suppress(FileNotFoundError):  # deleted while we were counting
                        size += entry.stat().st_size
                        count += 1
        self._tally.reset(count, size)

    async def count_files(self) -> None:
        """Count the documents and their bytes from the folder listing alone, reading none (see `check`)."""
        await asyncio.to_thread(self._count_files)

    async def check(self) -> None:
        """Note the documents that do not parse, reading only those changed since the last start (see head_scan).

        The part of `count` that reads documents, for a start-up that counts with `count_files` and
        checks afterwards, in the background.
        """
        await asyncio.to_thread(self._scan, _AnyDocument, tally=False)

    async def count(self) -> None:
        """Count the documents and their bytes once (at start-up), noting unreadable ones; writes keep it current."""
        await asyncio.to_thread(self._count)

    def unreadable(self) -> dict[str, str]:
        """File name -> why, for each document known not to parse (see `_corrupt`)."""
        return {f"{key}.json": why for key, why in dict(self._corrupt).items()}

    def prime(self, head: type[H]) -> bool:
        """Begin `scan(head)`'s parsing in a child process that fills the start-up cache (see `head_primer`).

        Not when the cache was written after the folder last changed (a restart): every document is
        replaced through a new file, which changes the folder, so there is nothing to parse ahead,
        and a child would only repeat the scan's cache read while the server loads.
        """
        cache = cache_file(self.folder)
        try:
            if cache.stat().st_mtime_ns > self.folder.stat().st_mtime_ns:
                return False
        except FileNotFoundError:
            pass  # no cache yet, or no folder: the scan finds out which
        return head_primer.prime(cache, lambda: scan_heads(self.folder, head, is_document_key, cache, primed=False))

    async def scan(self, head: type[H]) -> list[H]:
        """Every document as the smaller model `head` (and count them): one pass at start-up, see `head_scan`."""
        return await asyncio.to_thread(self._scan, head)

    async def usage(self) -> tuple[int, int]:
        """How many documents there are and how many bytes they take (counted at the first call)."""
        if not self._tally.ready:
            await self.count()
        return self._tally.totals()
