"""Start-up scan of a folder of JSON documents for a few fields of each ("heads"), with a cache.

Parsing 10,000 job documents for their id, creation time and status takes ~0.3 s; most of them
have not changed since the last start. The cache (a file under `DATA_DIR/.cache/`) remembers
each file's fields with its (mtime_ns, size, inode), so only files that changed since are parsed
again. Every write replaces a document through a new file, which
changes all three. The cache is only ever a shortcut: a missing, stale or unreadable cache just
means parsing every file, as without it.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

log = logging.getLogger(__name__)

H = TypeVar("H", bound=BaseModel)


def _load(cache: Path, shape: list[str]) -> dict[str, Any]:
    try:
        stored = json.loads(cache.read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(stored, dict) or stored.get("shape") != shape or not isinstance(stored.get("files"), dict):
        return {}  # written for another version of the head model
    return stored["files"]


def _save(cache: Path, shape: list[str], files: dict[str, Any]) -> None:
    # No fsync: losing the cache in a crash only costs one slower start.
    tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(json.dumps({"shape": shape, "files": files}, separators=(",", ":")).encode())
        os.replace(tmp, cache)
    except OSError as exc:
        log.warning("could not write the start-up cache %s: %s", cache, exc)
        tmp.unlink(missing_ok=True)


def _parse(path: str, head: type[H], problems: dict[str, str] | None = None) -> H | None:
    try:
        with open(path, "rb") as file:
            return head.model_validate_json(file.read())
    except FileNotFoundError:  # deleted while we were scanning
        return None
    except ValidationError as exc:
        log.warning("skipping unreadable document %s: %s", path, exc.errors()[0]["msg"])
        if problems is not None:
            problems[os.path.basename(path)] = exc.errors()[0]["msg"]
        return None


def _cached(entry: Any, stamp: list[int], head: type[H]) -> H | None:
    if not isinstance(entry, list) or len(entry) != 2 or entry[0] != stamp:
        return None
    try:
        return head.model_validate(entry[1])
    except ValidationError:
        return None


def scan_heads(
    folder: Path,
    head: type[H],
    is_key: Callable[[str], bool],
    cache: Path | None,
    problems: dict[str, str] | None = None,
) -> tuple[list[H], int, int]:
    """The heads of every `*.json` document whose name is a key, plus the count and bytes of all of them.

    Documents that do not parse are skipped; `problems`, when given, gets their file names and why.
    """
    shape = sorted(head.model_fields)
    known = _load(cache, shape) if cache else {}
    heads, files, count, size = [], {}, 0, 0
    try:
        entries = [entry for entry in os.scandir(folder) if entry.name.endswith(".json")]
    except FileNotFoundError:
        entries = []
    for entry in entries:
        try:
            info = entry.stat()
        except FileNotFoundError:  # deleted while we were scanning
            continue
        count, size = count + 1, size + info.st_size
        if not is_key(entry.name[: -len(".json")]):
            continue
        stamp = [info.st_mtime_ns, info.st_size, info.st_ino]
        found = _cached(known.get(entry.name), stamp, head)
        if found is not None:
            fields = known[entry.name][1]
        else:
            found = _parse(entry.path, head, problems)
            if found is None:
                continue
            fields = found.model_dump(mode="json")
        heads.append(found)
        files[entry.name] = [stamp, fields]
    if cache and files != known:
        _save(cache, shape, files)
    return heads, count, size
