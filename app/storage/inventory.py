"""A read-only look at everything under DATA_DIR, for `python main.py doctor`.

Plain synchronous code (the doctor is a command, not a request): it lists and parses every
document, walks the images folder without following links, and hashes files on demand. It never
writes, so it is safe to run next to a serving process (whose writes in flight may then show up
as leftover temporary files or not-yet-referenced images).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError

from app.models.records import Character, Comic, Job
from app.models.references import CharacterReferences
from app.storage.json_store import is_document_key

M = TypeVar("M", bound=BaseModel)

IMAGES = "images"
# An interrupted atomic write leaves `.<name>.<random>.tmp` (utils.atomic_write_bytes) or `<cache>.<pid>.tmp`.
TMP_SUFFIX = ".tmp"


@dataclass
class Documents(Generic[M]):
    """The documents of one folder: parsed, unreadable, and files that are not documents at all."""

    folder: str
    records: dict[str, M] = field(default_factory=dict)  # file stem -> record
    unreadable: dict[str, str] = field(default_factory=dict)  # relative path -> why
    strays: list[str] = field(default_factory=list)  # relative paths of files the service never reads


@dataclass
class Inventory:
    """Everything the doctor checks, read once."""

    data_dir: Path
    jobs: Documents[Job]
    comics: Documents[Comic]
    characters: Documents[Character]
    references: Documents[CharacterReferences]
    image_files: set[str]  # every file under images/, relative to DATA_DIR, POSIX separators
    leftovers: list[str]  # temporary files of interrupted writes, anywhere under DATA_DIR


def _read_documents(data_dir: Path, folder: str, model: type[M]) -> Documents[M]:
    found: Documents[M] = Documents(folder)
    try:
        entries = sorted(os.scandir(data_dir / folder), key=lambda entry: entry.name)
    except (FileNotFoundError, NotADirectoryError):
        return found
    for entry in entries:
        relative = f"{folder}/{entry.name}"
        if entry.name.endswith(TMP_SUFFIX) or (entry.name.startswith(".") and entry.is_file()):
            continue  # leftovers are listed by the walk; other dot-files are caches
        if not entry.is_file(follow_symlinks=False) or not entry.name.endswith(".json"):
            found.strays.append(relative)
            continue
        stem = entry.name[: -len(".json")]
        if not is_document_key(stem):
            found.strays.append(relative)  # a name the service cannot ask for
            continue
        try:
            found.records[stem] = model.model_validate_json(Path(entry.path).read_bytes())
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(map(str, error["loc"]))
            found.unreadable[relative] = f"{error['msg']}{f' (at {where})' if where else ''}"
        except OSError as exc:
            found.unreadable[relative] = f"cannot be read: {exc.strerror or exc}"
    return found


def _walk(root: Path) -> list[str]:
    """Files under `root`, relative to its parent, without following symlinked folders."""
    files, stack = [], [root]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                stack.append(Path(entry.path))
            else:
                files.append(Path(entry.path).relative_to(root.parent).as_posix())
    return files


def take_inventory(data_dir: Path) -> Inventory:
    """Read every document and list every image and temporary file under `data_dir`."""
    data_dir = data_dir.resolve()
    everything = [path for name in _top_level(data_dir) for path in _walk(data_dir / name)]
    return Inventory(
        data_dir=data_dir,
        jobs=_read_documents(data_dir, "jobs", Job),
        comics=_read_documents(data_dir, "comics", Comic),
        characters=_read_documents(data_dir, "characters", Character),
        references=_read_documents(data_dir, "references", CharacterReferences),
        image_files={path for path in everything if path.startswith(f"{IMAGES}/") and not path.endswith(TMP_SUFFIX)},
        leftovers=sorted(path for path in everything if path.endswith(TMP_SUFFIX)),
    )


def _top_level(data_dir: Path) -> list[str]:
    try:
        return sorted(entry.name for entry in os.scandir(data_dir) if entry.is_dir(follow_symlinks=False))
    except FileNotFoundError:
        return []


def inside_images(data_dir: Path, relative: str) -> Path | None:
    """The file a stored path names, or None when it would lie outside the images folder (links resolved)."""
    parts = PurePosixPath(relative).parts
    if not parts or PurePosixPath(relative).is_absolute() or ".." in parts or "\\" in relative or "\0" in relative:
        return None
    try:
        candidate = (data_dir / Path(*parts)).resolve()
    except (OSError, ValueError):  # a name too long for the file system
        return None
    return candidate if candidate.is_relative_to((data_dir / IMAGES).resolve()) else None


def file_facts(path: Path) -> tuple[int, str] | None:
    """(size, sha256) of a file, or None when it is missing or unreadable."""
    try:
        with path.open("rb") as file:
            digest = hashlib.file_digest(file, "sha256")
        return path.stat().st_size, digest.hexdigest()
    except (OSError, ValueError):  # missing, a folder, unreadable, a name too long
        return None
