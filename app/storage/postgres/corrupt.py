"""The rows found not to make valid records, remembered for `/health` and `/storage/stats`.

As in the file store, a bad record is found when it is read: it is noted then, and forgotten
when it is written again, read back whole, or deleted. Reads that list records skip a bad one with
a warning instead of failing the list.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from app.storage.relational.records import CorruptRow
from app.storage.relational.rows import Row

log = logging.getLogger(__name__)

R = TypeVar("R")


class CorruptRows:
    """Where (`jobs/<id>`) -> why, for every row known to be unreadable."""

    def __init__(self) -> None:
        self._found: dict[str, str] = {}

    def read(self, where: str, row: Row, parse: Callable[[Row], R]) -> R:
        """`parse(row)`, noting the row as unreadable when it raises CorruptRow (which goes on up)."""
        try:
            record = parse(row)
        except CorruptRow as exc:
            self._found[exc.where] = exc.why
            raise
        self._found.pop(where, None)  # mended by hand since it was found
        return record

    def read_all(self, rows: list[Row], where: Callable[[Row], str], parse: Callable[[Row], R]) -> list[R]:
        """Every row that parses, in order; the others are noted and logged, never failing the list."""
        found = []
        for row in rows:
            try:
                found.append(self.read(where(row), row, parse))
            except CorruptRow as exc:
                log.warning("skipped: %s", exc)
        return found

    def forget(self, where: str) -> None:
        """The row was written or deleted: whatever was wrong with it is gone."""
        self._found.pop(where, None)

    def found(self) -> dict[str, str]:
        """A copy of what is known now."""
        return dict(sorted(self._found.items()))
