"""Whether the places the store keeps data can be used right now, for `/health`.

Each place reports its kind and, when it cannot be used, why. Today both are folders of the file
store; a database or a bucket would report its own kind here, answering the same question.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal


@dataclass(frozen=True)
class PlaceCheck:
    """One place data is kept: its kind (`files`, `s3`) and what is wrong with it, None when nothing."""

    kind: Literal["files", "s3"]
    problem: str | None = None


def folder_health(folder: Path, name: str) -> PlaceCheck:
    """A folder of the file store (`name` stands for it in the answer): present, and writable by us.

    Blocking (a few system calls): run it in a worker thread. Only names, never paths, are told,
    since `/health` answers without the API token.
    """
    if not folder.is_dir():
        return PlaceCheck("files", f"{name} is missing")
    # access(2) also says EROFS for a file system remounted read-only, which a full disk can cause.
    if not os.access(folder, os.W_OK | os.X_OK):
        return PlaceCheck("files", f"{name} cannot be written")
    return PlaceCheck("files")
