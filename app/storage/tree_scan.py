"""Start-up count of the image files under a folder tree, with a cache per directory.

Walking 10,000 comic folders means one `stat` per file (six panels, their lettered copies, the
page and the PDFs: ~150,000 files), the slowest part of starting on a big data folder. A
directory's mtime and inode change whenever an entry in it is created, removed or renamed, and
every write here creates a file and renames it into place; so a directory whose (mtime_ns,
inode) is unchanged since the last start still holds the files counted then, and only changed
directories are listed again. The cache is a file under `DATA_DIR/.cache/`, outside the tree;
losing it costs one slower start. (A file edited in place by hand keeps its old size here until its folder changes.)
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def _list(folder: str, part: Callable[[str], bool]) -> tuple[int, int, list[str], int, int]:
    """Files (not dot-files) directly in `folder`, their bytes, its subfolders (symlinks not followed),
    and how many of the files `part` accepts by name and their bytes."""
    count = size = part_count = part_size = 0
    subfolders = []
    with os.scandir(folder) as entries:
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    subfolders.append(entry.name)
                elif entry.is_file() and not entry.name.startswith("."):
                    bytes_ = entry.stat().st_size
                    size, count = size + bytes_, count + 1
                    if part(entry.name):
                        part_size, part_count = part_size + bytes_, part_count + 1
            except FileNotFoundError:  # removed while we were counting
                continue
    return count, size, sorted(subfolders), part_count, part_size


def _load(cache: Path) -> dict[str, Any]:
    try:
        stored = json.loads(cache.read_bytes())
    except (OSError, ValueError):
        return {}
    return stored if isinstance(stored, dict) else {}


def _save(cache: Path, folders: dict[str, Any]) -> None:
    tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(json.dumps(folders, separators=(",", ":")).encode())
        os.replace(tmp, cache)  # no fsync: it is only a shortcut
    except OSError as exc:
        log.warning("could not write the start-up cache %s: %s", cache, exc)
        tmp.unlink(missing_ok=True)


def cached_tree_usage(root: Path, cache: Path, part: Callable[[str], bool]) -> tuple[int, int, int, int]:
    """Files (not dot-files) under `root` and their bytes, then those of them whose name `part` accepts
    and their bytes; lists only the folders changed since the cache. The cache holds `part`'s counts,
    so one cache file serves one `part`."""
    known, fresh = _load(cache), {}
    count = size = part_count = part_size = 0
    stack = [""]
    while stack:
        relative = stack.pop()
        folder = os.path.join(root, relative) if relative else str(root)
        try:
            info = os.stat(folder, follow_symlinks=False)
            stamp = [info.st_mtime_ns, info.st_ino]
            hit = known.get(relative)
            # Six fields since the panels' share was added: an older cache is a miss, once.
            unchanged = isinstance(hit, list) and len(hit) == 6 and hit[0] == stamp
            entry = hit if unchanged else [stamp, *_list(folder, part)]
        except (FileNotFoundError, NotADirectoryError):  # removed while we were counting
            continue
        fresh[relative] = entry
        count, size = count + entry[1], size + entry[2]
        part_count, part_size = part_count + entry[4], part_size + entry[5]
        stack.extend(os.path.join(relative, name) if relative else name for name in entry[3])
    if fresh != known:
        _save(cache, fresh)
    return count, size, part_count, part_size
