"""Rows back to stored records: the inverse of `rows.py`, for the live PostgreSQL store.

Each row's columns and its `data` (the rest of the record) are merged and validated by the record's
own model, so a row that a person or an older version wrote badly fails here exactly as a bad JSON
document fails in the file store: with a `CorruptDocument` (a `CorruptRow`, which also says where
and why). Two things do not come back: NUL characters, which `rows.py` replaces since PostgreSQL
text cannot hold them, and a missing time zone, which `rows.py` reads as UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from app.errors import CorruptDocument
from app.models.records import Character, Comic, Job
from app.models.references import CharacterReferences
from app.storage.image_keys import IMAGES
from app.storage.relational.rows import PANEL_IMAGE_FIELDS, Row

M = TypeVar("M", bound=BaseModel)


class CorruptRow(CorruptDocument):
    """A stored row that does not make a valid record; `where` names it (`jobs/<id>`), `why` says what is wrong."""

    def __init__(self, where: str, why: str) -> None:
        super().__init__(f"stored row {where} is corrupt: {why}")
        self.where, self.why = where, why


def storage_path_of(image_path: str) -> str:
    """The key an image row stores for a record's image path (`images/<key>`, see image_keys)."""
    return image_path.removeprefix(f"{IMAGES}/")


def job_of(row: Row) -> Job:
    """A job from its `jobs` row."""
    where = f"jobs/{row.get('id')}"
    return _validate(Job, _merged(row, where), where)


def character_of(row: Row) -> Character:
    """A custom character from its `characters` row."""
    where = f"characters/{row.get('character_type')}"
    return _validate(Character, _merged(row, where), where)


def references_of(row: Row) -> CharacterReferences:
    """A character's references from its `character_references` row (`updated_at` is the row's own)."""
    where = f"character_references/{row.get('character_type')}"
    return _validate(CharacterReferences, _merged(row, where), where)


def comic_of(row: Row, scenes: Iterable[Row], panels: Iterable[Row], images: Iterable[Row]) -> Comic:
    """A comic from its `comics` row and its scenes', panels' and images' rows (in any order)."""
    where = f"comics/{row.get('id')}"
    values = _merged(row, where)
    # comics.job_id is NULL when the job is not stored; the live store keeps the id in `data` for that.
    if values.get("job_id") is None:
        values["job_id"] = _data(row, where).get("job_id")
    values["scenes"] = [_merged(scene, where) for scene in sorted(scenes, key=lambda r: r["scene_id"])]
    by_panel = {image["panel_id"]: image for image in images}
    values["panels"] = [
        _panel(panel, by_panel.get(panel["id"]), where) for panel in sorted(panels, key=lambda r: r["panel_id"])
    ]
    return _validate(Comic, values, where)


def _panel(row: Row, image: Row | None, where: str) -> dict[str, Any]:
    values = _merged(row, where)
    if image is not None:  # without it the panel lacks its picture's fields, and fails validation as such
        values.update({field: image[field] for field in PANEL_IMAGE_FIELDS if field != "image_path"})
        values["image_path"] = f"{IMAGES}/{image['storage_path']}"
    return values


def _merged(row: Row, where: str) -> dict[str, Any]:
    """The row's own columns over its `data`: the columns are what queries see, so they win.

    Columns that only link rows (`comic_id` of a scene, `scene_uuid`) are not fields of the record,
    and the models ignore them.
    """
    columns = {name: value for name, value in row.items() if name != "data"}
    return {**_data(row, where), **columns}


def _data(row: Row, where: str) -> Mapping[str, Any]:
    data = row.get("data", {})
    if not isinstance(data, Mapping):  # jsonb holds any JSON: a hand-written string or list is corruption
        raise CorruptRow(where, "its data column is not a JSON object")
    return data


def _validate(model: type[M], values: dict[str, Any], where: str) -> M:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        at = ".".join(map(str, error["loc"]))
        raise CorruptRow(where, f"{error['msg']}{f' (at {at})' if at else ''}") from exc
