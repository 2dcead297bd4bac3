"""A folder of JSON documents, one file per record, written atomically and updated under a lock."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError

from app.errors import Conflict, CorruptDocument, NotFound
from utils import atomic_write_bytes

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

# Keys become file names, so only these shapes are ever joined to a path: a canonical UUID or a
# lower-case slug. Anything else is rejected before the file system is touched.
_SAFE_KEY = re.compile(r"^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z][a-z0-9_]{1,39})$")


class JsonStore(Generic[M]):
    """Documents of one model type in one folder.

    Reads and writes run in a worker thread; `update` holds a per-document asyncio lock across
    read-modify-write so that concurrent updates of one document never lose each other's changes
    (this process is the only writer of DATA_DIR).
    """

    def __init__(self, folder: Path, model: type[M], not_found: type[NotFound]) -> None:
        self.folder = folder
        self._model = model
        self._not_found = not_found
        self._locks: dict[str, asyncio.Lock] = {}

    def path_for(self, key: str) -> Path:
        """The file of one document; raises the store's NotFound for keys that cannot be ids."""
        if not _SAFE_KEY.match(key):
            raise self._not_found(f"no record with id {key!r}")
        return self.folder / f"{key}.json"

    def _lock(self, key: str) -> asyncio.Lock:
        return self._locks.setdefault(key, asyncio.Lock())

    def _read(self, key: str) -> M:
        path = self.path_for(key)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise self._not_found(f"no record with id {key}") from None
        try:
            return self._model.model_validate_json(raw)
        except ValidationError as exc:
            raise CorruptDocument(f"stored document {path.name} is corrupt: {exc.errors()[0]['msg']}") from exc

    def _write(self, key: str, doc: M) -> None:
        atomic_write_bytes(self.path_for(key), doc.model_dump_json(indent=2).encode())

    async def get(self, key: str) -> M:
        """The document stored under `key`."""
        return await asyncio.to_thread(self._read, key)

    async def put(self, key: str, doc: M) -> None:
        """Store `doc` under `key`, replacing any previous version."""
        async with self._lock(key):
            await asyncio.to_thread(self._write, key, doc)

    async def create(self, key: str, doc: M) -> None:
        """Store a new document; raises Conflict when `key` is taken."""
        async with self._lock(key):
            path = self.path_for(key)
            if await asyncio.to_thread(path.exists):
                raise Conflict(f"{key!r} already exists")
            await asyncio.to_thread(self._write, key, doc)

    async def update(self, key: str, change: Callable[[M], M]) -> M:
        """Apply `change` to the stored document and store the result, atomically per document.

        `change` may raise to abort; nothing is written then.
        """
        async with self._lock(key):
            doc = await asyncio.to_thread(self._read, key)
            new = change(doc)
            await asyncio.to_thread(self._write, key, new)
            return new

    async def delete(self, key: str) -> None:
        """Remove a document; raises NotFound when there is none."""
        async with self._lock(key):
            path = self.path_for(key)
            try:
                await asyncio.to_thread(path.unlink)
            except FileNotFoundError:
                raise self._not_found(f"no record with id {key}") from None
        self._locks.pop(key, None)

    def _load_all(self) -> list[M]:
        docs = []
        for path in sorted(self.folder.glob("*.json")):
            try:
                docs.append(self._read(path.stem))
            except (CorruptDocument, NotFound) as exc:
                log.warning("skipping unreadable document %s: %s", path, exc)
        return docs

    async def all(self) -> list[M]:
        """Every readable document; unreadable ones are logged and skipped."""
        return await asyncio.to_thread(self._load_all)

    def _usage(self) -> tuple[int, int]:
        count = size = 0
        for path in self.folder.glob("*.json"):
            try:
                size += path.stat().st_size
            except FileNotFoundError:  # deleted while we were counting
                continue
            count += 1
        return count, size

    async def usage(self) -> tuple[int, int]:
        """How many documents there are and how many bytes they take."""
        return await asyncio.to_thread(self._usage)
