"""The image files an export carries, each under its object key: the key the image stores use (`image_keys`).

A file keeps its name: a panel redrawn to version 2 is `panel-N.v2.png` in the folder, in the
export and in the bucket alike, so the records, which name every picture by its path, are right
in all three and a PostgreSQL instance on the bucket serves every version a file store served.
Only a picture whose recorded path no store would write (edited by hand) gets a key made from
its comic and panel, as exports before this one named every panel.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from app.errors import MediaNotFound
from app.models.records import Comic, Panel
from app.models.references import CharacterReferences
from app.storage.image_keys import key_of

_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp"}


class ImageResolver(Protocol):
    """Finds a stored image by its path relative to DATA_DIR (the ImageStore does)."""

    def resolve(self, relative: str) -> Path: ...


@dataclass(frozen=True)
class ImageFile:
    """A stored image and its object path in the bucket."""

    source: Path
    storage_path: str


def panel_file(comic: Comic, panel: Panel, images: ImageResolver) -> ImageFile:
    """The panel's current picture; raises MediaNotFound when its file is missing."""
    source = images.resolve(panel.image_path)
    try:
        key = key_of(panel.image_path)
    except MediaNotFound:  # not a name a store writes: the comic's folder, by panel number
        suffix = source.suffix.lower() if source.suffix.lower() in _IMAGE_SUFFIXES else ".bin"
        key = f"comics/{comic.id}/panel-{panel.panel_id}{suffix}"
    return ImageFile(source, key)


def comic_files(comic: Comic, images: ImageResolver) -> tuple[list[ImageFile], list[str]]:
    """The panels' other versions, lettered panels, page and PDFs; and the versions whose file is missing.

    A missing lettered panel, page or PDF is left out without a problem: they are made from the
    panels, which the service does again when one is asked for (a PDF only after the comic
    completes, or on demand). An earlier version cannot be made again, so its absence is reported.
    """
    current = {panel.image_path for panel in comic.panels}
    versions = [v.image_path for panel in comic.panels for v in panel.versions if v.image_path not in current]
    found, missing = _stored(dict.fromkeys(versions), images)
    problems = [f"comic {comic.id}: earlier panel picture {path} missing" for path in missing]
    finished = [*(panel.lettered_path for panel in comic.panels), comic.page_path, *comic.pdf_paths.values()]
    found += _stored(dict.fromkeys(path for path in finished if path), images)[0]
    return found, problems


def reference_files(references: CharacterReferences, images: ImageResolver) -> tuple[list[ImageFile], list[str]]:
    """Every version of the character's reference pictures; and those whose file is missing."""
    paths = [v.image_path for style in references.styles.values() for v in style.versions]
    found, missing = _stored(dict.fromkeys(paths), images)
    return found, [f"references of {references.character_type}: picture {path} missing" for path in missing]


def _stored(paths: dict[str, None], images: ImageResolver) -> tuple[list[ImageFile], list[str]]:
    """The files of `paths` that are there (under their keys), and the paths that are not."""
    found, missing = [], []
    for path in paths:
        try:
            found.append(ImageFile(images.resolve(path), key_of(path)))
        except MediaNotFound:  # not there, or a path no store writes (edited by hand)
            missing.append(path)
    return found, missing
