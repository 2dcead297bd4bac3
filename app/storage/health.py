"""Whether the places the store keeps data can be used right now, for `/health`.

Each place reports its kind and, when it cannot be used, why: folders of the file store, the
PostgreSQL database of DATABASE_URL (with its schema version), or the bucket of IMAGE_STORE=s3.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal


@dataclass(frozen=True)
class PlaceCheck:
    """One place data is kept: its kind, what is wrong with it (None when nothing) and, for a database,
    the schema version it has (None when unknown or not a database)."""

    kind: Literal["files", "s3", "postgres"]
    problem: str | None = None
    schema_version: int | None = None


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
