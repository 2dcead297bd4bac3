"""The names of stored images, one scheme for every image store.

A stored image is known above storage by its path relative to DATA_DIR, `images/<key>` (what
records keep and `/media/` serves). The key is the same in the images folder and in a bucket, and
is the export's storage layout: `comics/<comic_id>/panel-<n>.<ext>`, its versions and finished
files beside it, and `characters/<type>/<style>.v<k>.<ext>`. So a file store moved up by the
export and a bucket filled by a live service agree, and records need no rewriting.
"""

from __future__ import annotations

import mimetypes
import re
from uuid import UUID

from app.errors import MediaNotFound

IMAGES = "images"  # the images folder under DATA_DIR, and the first part of every stored path

# What finishing a comic writes next to its panels.
_FINISHED_NAME = re.compile(r"panel-\d{1,3}\.lettered\.png|page\.png|comic-(a4|letter)\.pdf")
SLUG = re.compile(r"[a-z][a-z0-9_]{1,39}")  # character types and style names: safe as path parts
# A panel's picture in any version, and its lettered copy: what the storage stats call the panels.
# Reference pictures are named after styles (slugs), which cannot hold the hyphen.
_PANEL_FILE = re.compile(r"panel-\d{1,3}(?:\.v\d{1,6})?(?:\.lettered)?\.(?:png|jpg|webp)")
# Every key a store writes, and so the only ones it reads: nothing else reaches a bucket request.
_KEY = re.compile(
    r"comics/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/[a-z0-9][a-z0-9.-]{0,60}"
    r"|characters/[a-z][a-z0-9_]{1,39}/[a-z][a-z0-9_]{1,39}\.v\d{1,6}\.(?:png|jpg|webp)"
)


def comic_prefix(comic_id: UUID) -> str:
    """The key prefix of one comic's images (`comics/<comic_id>/`)."""
    return f"comics/{UUID(str(comic_id))}/"


def panel_key(comic_id: UUID, panel_id: int, extension: str, version: int | None = None) -> str:
    """A panel's picture: `panel-<n>.<ext>`, or `panel-<n>.v<k>.<ext>` for a redrawn version."""
    suffix = "" if version is None else f".v{int(version)}"
    return f"{comic_prefix(comic_id)}panel-{int(panel_id)}{suffix}.{extension}"


def reference_key(character_type: str, style: str, version: int, extension: str) -> str:
    """A character's reference picture; raises ValueError for a type or style that is not a slug."""
    if not SLUG.fullmatch(character_type):
        raise ValueError(f"not a character type: {character_type!r}")
    if not SLUG.fullmatch(style):
        raise ValueError(f"not a style name: {style!r}")
    return f"characters/{character_type}/{style}.v{int(version)}.{extension}"


def finished_key(comic_id: UUID, name: str) -> str:
    """A finished file of a comic (a lettered panel, the page, a PDF); raises ValueError for another name."""
    if not _FINISHED_NAME.fullmatch(name):
        raise ValueError(f"not a finished-file name: {name!r}")
    return comic_prefix(comic_id) + name


def stored_path(key: str) -> str:
    """The path relative to DATA_DIR that records keep for a key."""
    return f"{IMAGES}/{key}"


def key_of(relative: str) -> str:
    """The key of a stored path; raises MediaNotFound for anything no store writes (traversal, odd names)."""
    head, _, key = relative.partition("/")
    if head != IMAGES or not _KEY.fullmatch(key):
        raise MediaNotFound("no such file")
    return key


def is_panel_file(name: str) -> bool:
    """Whether a file name is a panel's picture (any version) or its lettered copy."""
    return _PANEL_FILE.fullmatch(name) is not None


def content_type_of(name: str) -> str:
    """The media type a stored file's name implies."""
    return mimetypes.guess_type(name)[0] or "application/octet-stream"
