"""Stored records to the export's tables: rows per table in load order, the image files, what was left out.

Every id is the one in the JSON documents; the only derived id is an image's, `uuid5(panel id,
"image")`, which is the same on every run. A comic whose data could not load as designed (ids
that repeat, panels drawing scenes the comic lacks) is left out and reported, never half-exported.

Row building lives in storage, next to the schema it fills, so that the export (above) and the
DataManager's v2.0 `export_*` calls use the same code: `store_tables` and `comic_tables` read the
records through the DataManager and hand them to `build_tables`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from uuid import UUID

from app.errors import CorruptDocument, InvalidRequest, JobNotFound, MediaNotFound
from app.models.records import Character, Comic, Job
from app.models.references import CharacterReferences
from app.storage.image_store import ImageStore
from app.storage.relational import rows
from app.storage.relational.files import ImageFile, ImageResolver, comic_files, panel_file, reference_files
from app.storage.relational.rows import Row, character_row, comic_row, image_row, job_row, panel_row, scene_row
from app.storage.relational.schema import TABLES, schema_sql
from master_prompts import PRESET_CHARACTERS

if TYPE_CHECKING:  # the DataManager builds these tables for v2.0's export calls: imported at run time, a cycle
    from app.storage.data_manager import DataManager

log = logging.getLogger(__name__)

DEFAULT_BUCKET = "comics"
BUCKET_EXPORT = (
    "with IMAGE_STORE=s3 the export does not carry images: they are already objects in the bucket under the"
    " export's keys; export the folder store before switching, or load the tables with IMAGE_STORE=files"
)


@dataclass
class ExportTables:
    """The rows of every table in load order, the image files they name, and what was left out."""

    rows: dict[str, list[Row]] = field(default_factory=lambda: {table.name: [] for table in TABLES})
    files: list[ImageFile] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def __getitem__(self, table: str) -> list[Row]:
        return self.rows[table]

    def counts(self) -> dict[str, int]:
        """Rows per table."""
        return {name: len(found) for name, found in self.rows.items()}

    @property
    def schema(self) -> str:
        """The CREATE TABLE statements (schema.sql) that the rows load into."""
        return schema_sql()


def preset_characters() -> list[Character]:
    """The built-in character library as records."""
    return [Character.model_validate(preset, from_attributes=True) for preset in PRESET_CHARACTERS]


def store_tables(data: DataManager, bucket: str = DEFAULT_BUCKET) -> ExportTables:
    """Every job, finished comic, library character and references record as rows; blocking (reads them all)."""
    jobs, comics, custom = data.jobs.read_all(), data.comics.read_all(), data.characters.read_all()
    references = data.files.references.documents.read_all()
    return build_tables(jobs, comics, custom, references, images=image_files(data), bucket=bucket)


def comic_tables(data: DataManager, comic_id: UUID, bucket: str = DEFAULT_BUCKET) -> ExportTables:
    """One finished comic, its job and its cast's library characters and references as rows; raises ComicNotFound.

    Blocking.
    """
    comic = data.comics.read(str(comic_id))
    jobs = []
    with contextlib.suppress(JobNotFound, CorruptDocument):  # then job_id is NULL, and reported
        jobs.append(data.jobs.read(str(comic.job_id)))
    custom = data.characters.read_all()
    references = data.files.references.documents.read_all()
    return build_tables(jobs, [comic], custom, references, images=image_files(data), bucket=bucket, cast_only=True)


def image_files(data: DataManager) -> ImageResolver:
    """The images folder the export copies from; raises InvalidRequest when the images are in a bucket.

    The export moves a file store up; a bucket's objects already have the export's keys, so copying
    them out and back in would only cost time (see README "Where images live").
    """
    if not isinstance(data.images, ImageStore):
        raise InvalidRequest(BUCKET_EXPORT)
    return data.images


def build_tables(
    jobs: Iterable[Job],
    comics: Iterable[Comic],
    custom_characters: Iterable[Character],
    references: Iterable[CharacterReferences] = (),
    *,
    images: ImageResolver,
    bucket: str = DEFAULT_BUCKET,
    cast_only: bool = False,
) -> ExportTables:
    """Rows for `jobs`, `comics` (with their scenes, panels and images), the character library and its references.

    With `cast_only`, the library and the references are narrowed to the characters the comics cast.
    """
    tables = ExportTables()
    job_ids: set[UUID] = set()
    for job in sorted(jobs, key=lambda j: (j.created_at, str(j.id))):
        if job.id not in job_ids:
            job_ids.add(job.id)
            tables["jobs"].append(job_row(job))
    seen: set[UUID] = set()
    comics = sorted(comics, key=lambda c: (c.created_at, str(c.id)))
    for comic in comics:
        if problem := _problem_with(comic, seen):
            tables.problems.append(f"comic {comic.id} left out: {problem}")
            continue
        seen.update(_ids_of(comic))
        _add_comic(tables, comic, job_ids, images, bucket)
    cast = {member.character_type for comic in comics for member in comic.characters}
    for character in [*preset_characters(), *sorted(custom_characters, key=lambda c: c.character_type)]:
        if not cast_only or character.character_type in cast:
            tables["characters"].append(character_row(character))
    for record in sorted(references, key=lambda r: r.character_type):
        if not cast_only or record.character_type in cast:
            _add_references(tables, record, images)
    for problem in tables.problems:
        log.warning("export: %s", problem)
    return tables


def _ids_of(comic: Comic) -> list[UUID]:
    return [comic.id, *(s.id for s in comic.scenes), *(p.id for p in comic.panels)]


def _problem_with(comic: Comic, seen: set[UUID]) -> str | None:
    ids = _ids_of(comic)
    if len(set(ids)) != len(ids) or seen.intersection(ids):
        return "its ids repeat ids of another comic or of itself"
    numbers = [s.scene_id for s in comic.scenes]
    if len(set(numbers)) != len(numbers) or len({p.panel_id for p in comic.panels}) != len(comic.panels):
        return "two scenes or two panels share a number"
    missing = sorted({p.scene_id for p in comic.panels} - set(numbers))
    return f"panels draw scenes it does not have: {missing}" if missing else None


def _add_comic(tables: ExportTables, comic: Comic, job_ids: set[UUID], images: ImageResolver, bucket: str) -> None:
    job_id = comic.job_id if comic.job_id in job_ids else None
    if job_id is None:
        tables.problems.append(f"comic {comic.id}: its job {comic.job_id} is not stored; comics.job_id is NULL")
    tables["comics"].append(comic_row(comic, job_id))
    scene_uuid = {scene.scene_id: scene.id for scene in comic.scenes}
    tables["scenes"].extend(scene_row(comic.id, scene) for scene in comic.scenes)
    for panel in comic.panels:
        tables["panels"].append(panel_row(comic.id, panel, scene_uuid[panel.scene_id]))
        try:
            file = panel_file(comic, panel, images)
        except MediaNotFound:
            tables.problems.append(f"comic {comic.id} panel {panel.panel_id}: image file {panel.image_path} missing")
            continue
        tables.files.append(file)
        tables["images"].append(image_row(comic.id, panel, bucket, file.storage_path))
    files, problems = comic_files(comic, images)
    tables.files.extend(files)
    tables.problems.extend(problems)


def _add_references(tables: ExportTables, record: CharacterReferences, images: ImageResolver) -> None:
    tables["character_references"].append(rows.references_row(record))
    files, problems = reference_files(record, images)
    tables.files.extend(files)
    tables.problems.extend(problems)
