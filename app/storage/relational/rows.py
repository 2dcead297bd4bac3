"""One stored record to one export row (a dict of column -> canonical Python value).

Values are UUID, str, int, bool, list[str], JSON-ready dicts and lists, timezone-aware datetimes,
and None for NULL. Every record field without a column of its own goes to the row's `data`
(jsonb), so a field added to a record later is exported without a schema change.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid5

from pydantic import BaseModel

from app.models.records import Character, Comic, Job, Panel, Scene
from app.models.references import CharacterReferences
from app.storage.relational.schema import CHARACTER_REFERENCES, CHARACTERS, COMICS, JOBS, PANELS, SCENES

Row = dict[str, Any]
_NEVER = datetime(1970, 1, 1, tzinfo=UTC)  # a references record with no picture and no draw names no time

_JOB_COLUMNS = set(JOBS.column_names)
_COMIC_COLUMNS = set(COMICS.column_names) | {"scenes", "panels"}  # these two have tables of their own
_SCENE_COLUMNS = set(SCENES.column_names)
_CHARACTER_COLUMNS = set(CHARACTERS.column_names)
_REFERENCES_COLUMNS = set(CHARACTER_REFERENCES.column_names)
# The columns of a panel that its image row holds (`image_row`); `records.py` reads them back from there.
PANEL_IMAGE_FIELDS = ("image_path", "content_type", "width", "height", "size_bytes", "sha256")
_PANEL_COLUMNS = set(PANELS.column_names) | set(PANEL_IMAGE_FIELDS)


def image_id(panel_id: UUID) -> UUID:
    """The id of a panel's image row: derived from the panel's, so it never changes."""
    return uuid5(panel_id, "image")


def job_row(job: Job) -> Row:
    """A `jobs` row."""
    return {
        "id": job.id,
        "comic_id": job.comic_id,
        "topic": _text(job.topic),
        "age_group": str(job.age_group),
        "status": str(job.status),
        "step": str(job.step),
        "progress": job.progress,
        "error": _text(job.error),
        "title": _text(job.title),
        "style": _text(job.style),
        "seed": job.seed,
        "panel_count": job.panel_count,
        "refine_rounds": job.refine_rounds,
        "attempts": job.attempts,
        "providers": _json(job.providers.model_dump(mode="json")),
        "data": _rest(job, _JOB_COLUMNS),
        "created_at": _time(job.created_at),
        "updated_at": _time(job.updated_at),
        "completed_at": _time(job.completed_at),
    }


def comic_row(comic: Comic, job_id: UUID | None) -> Row:
    """A `comics` row; `job_id` is None when the comic's job is not stored.

    The column is a foreign key, so it cannot name a job that is gone; `data` keeps the record's
    own id then, since a comic cannot be read back without it (`records.comic_of`).
    """
    lost = {"job_id": str(comic.job_id)} if job_id is None else {}
    return {
        "id": comic.id,
        "job_id": job_id,
        "topic": _text(comic.topic),
        "age_group": str(comic.age_group),
        "title": _text(comic.title),
        "style": _text(comic.style),
        "seed": comic.seed,
        "characters": _json([member.model_dump(mode="json") for member in comic.characters]),
        "providers": _json(comic.providers.model_dump(mode="json")),
        "data": {**_rest(comic, _COMIC_COLUMNS), **lost},
        "created_at": _time(comic.created_at),
    }


def scene_row(comic_id: UUID, scene: Scene) -> Row:
    """A `scenes` row."""
    return {
        "id": scene.id,
        "comic_id": comic_id,
        "scene_id": scene.scene_id,
        "title": _text(scene.title),
        "description": _text(scene.description),
        "dialogue": _text(scene.dialogue),
        "learning_point": _text(scene.learning_point),
        "visual_elements": [_text(item) for item in scene.visual_elements],
        "data": _rest(scene, _SCENE_COLUMNS),
    }


def panel_row(comic_id: UUID, panel: Panel, scene_uuid: UUID) -> Row:
    """A `panels` row; `scene_uuid` is the id of the scene the panel draws."""
    return {
        "id": panel.id,
        "comic_id": comic_id,
        "panel_id": panel.panel_id,
        "scene_id": panel.scene_id,
        "scene_uuid": scene_uuid,
        "prompt": _text(panel.prompt),
        "seed": panel.seed,
        "provider": _text(panel.provider),
        "source_url": _text(panel.source_url),
        "data": _rest(panel, _PANEL_COLUMNS),
        "created_at": _time(panel.created_at),
    }


def image_row(comic_id: UUID, panel: Panel, bucket: str, storage_path: str) -> Row:
    """An `images` row for a panel's stored picture, at `storage_path` in `bucket`."""
    return {
        "id": image_id(panel.id),
        "panel_id": panel.id,
        "comic_id": comic_id,
        "bucket": bucket,
        "storage_path": storage_path,
        "content_type": panel.content_type,
        "width": panel.width,
        "height": panel.height,
        "size_bytes": panel.size_bytes,
        "sha256": panel.sha256,
        "created_at": _time(panel.created_at),
    }


def character_row(character: Character) -> Row:
    """A `characters` row."""
    return {
        "character_type": character.character_type,
        "name": _text(character.name),
        "description": _text(character.description),
        "visual_tags": [_text(tag) for tag in character.visual_tags],
        "age_group": character.age_group,
        "custom": character.custom,
        "data": _rest(character, _CHARACTER_COLUMNS),
        "created_at": _time(character.created_at),
    }


def references_row(references: CharacterReferences, updated_at: datetime | None = None) -> Row:
    """A `character_references` row; `updated_at` defaults to the newest time the record names.

    The export takes the default, so that two exports of the same record are the same row.
    """
    return {
        "character_type": references.character_type,
        "styles": _json(references.model_dump(mode="json", include={"styles"})["styles"]),
        "data": _rest(references, _REFERENCES_COLUMNS),
        "updated_at": _time(updated_at or _last_change(references)),
    }


def _last_change(references: CharacterReferences) -> datetime:
    times = [v.created_at for style in references.styles.values() for v in style.versions]
    times += [style.draw.at for style in references.styles.values() if style.draw is not None]
    return max((_time(t) for t in times), default=_NEVER)


def _rest(record: BaseModel, columns: set[str]) -> Any:
    return _json(record.model_dump(mode="json", exclude=columns))


def _text(value: str | None) -> str | None:
    # PostgreSQL text and jsonb cannot hold NUL; a visible replacement beats a load that fails.
    if value is not None and "\x00" in value:
        return value.replace("\x00", "\ufffd")
    return value


def _json(value: Any) -> Any:
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, list):
        return [_json(item) for item in value]
    if isinstance(value, dict):
        return {_text(key): _json(item) for key, item in value.items()}
    return value


def _time(value: datetime | None) -> datetime | None:
    # A record written by hand may lack an offset; the service always writes UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
