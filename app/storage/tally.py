"""Running totals (file count and bytes) of one store, so `GET /storage/stats` never walks the disk.

A store sets the totals with one scan when it opens and then adjusts them on every write and
delete it makes. Writes run in worker threads, hence the lock. Files changed by hand while the
service runs are counted again at the next start.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path


class Tally:
    """How many files a store holds and how many bytes they take."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0
        self._bytes = 0
        self.ready = False  # False until the first scan: the totals are only partial before it

    def reset(self, count: int, size: int) -> None:
        """Set the totals from a scan."""
        with self._lock:
            self._count, self._bytes, self.ready = count, size, True

    def replaced(self, old_size: int | None, new_size: int) -> None:
        """A file of `new_size` bytes was written over one of `old_size` bytes (None: a new file)."""
        with self._lock:
            self._count += old_size is None
            self._bytes += new_size - (old_size or 0)

    def removed(self, count: int, size: int) -> None:
        """`count` files taking `size` bytes were deleted."""
        with self._lock:
            self._count -= count
            self._bytes -= size

    def totals(self) -> tuple[int, int]:
        """(files, bytes)."""
        with self._lock:
            return self._count, self._bytes


class SharedTally:
    """A store's totals and the share of them taken by the files `counts` accepts (by name).

    The image stores keep every image and, apart, the panels among them: one object, so that no
    write or delete can adjust one total and forget the other.
    """

    def __init__(self, counts: Callable[[str], bool]) -> None:
        self.all = Tally()
        self.share = Tally()
        self._counts = counts

    @property
    def ready(self) -> bool:
        """Whether the first scan has set the totals."""
        return self.all.ready

    async def counted(self, count: Callable[[], Awaitable[None]]) -> SharedTally:
        """These totals, once set: `count` (the store's scan) is awaited first when they are not yet."""
        if not self.ready:
            await count()
        return self

    def reset(self, count: int, size: int, share_count: int, share_size: int) -> None:
        """Set both totals from a scan."""
        self.all.reset(count, size)
        self.share.reset(share_count, share_size)

    def replaced(self, name: str, old_size: int | None, new_size: int) -> None:
        """The file `name` was written (see `Tally.replaced`)."""
        self.all.replaced(old_size, new_size)
        if self._counts(name):
            self.share.replaced(old_size, new_size)

    def removed(self, name: str, size: int) -> None:
        """The file `name`, of `size` bytes, was deleted."""
        self.all.removed(1, size)
        if self._counts(name):
            self.share.removed(1, size)


def size_or_none(path: Path) -> int | None:
    """The size of a file about to be overwritten, or None when there is none yet."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return None


def tree_usage(folder: Path, only: Callable[[str], bool] | None = None) -> tuple[int, int]:
    """Files (not dot-files) under `folder`, recursively, and their bytes; symlinked folders are not followed.

    With `only`, just the files whose name it accepts.
    """
    count = size = 0
    stack = [folder]
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except (FileNotFoundError, NotADirectoryError):  # removed while we were counting
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                elif entry.is_file() and not entry.name.startswith(".") and (only is None or only(entry.name)):
                    size += entry.stat().st_size
                    count += 1
            except FileNotFoundError:
                continue
    return count, size
