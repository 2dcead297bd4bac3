"""The export folder: schema.sql, data.sql, csv/<table>.csv, storage/<bucket>/comics/<comic_id>/..., manifest.json.

The folder is built under a temporary name next to the target and renamed into place at the end,
so a reader never sees half an export, and an earlier export in the target is replaced whole.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from uuid import UUID, uuid4

from app.errors import InvalidRequest
from app.export.csv_writer import write_csv_files
from app.export.sql import write_data_sql
from app.models.export import FORMAT, ExportedFile, ExportManifest
from app.storage.relational.schema import SCHEMA_VERSION, schema_sql
from app.storage.relational.tables import ExportTables
from utils import utcnow

MANIFEST = "manifest.json"


def write_bundle(
    tables: ExportTables, out: Path, *, bucket: str, comic_id: UUID | None = None, export_id: UUID | None = None
) -> ExportManifest:
    """Write the export of `tables` to the folder `out`; returns its manifest.

    `out` must be missing, empty, or an earlier export (which is replaced); anything else is refused
    so that an export never deletes files it did not write.
    """
    _check_target(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.parent / f".{out.name}.partial-{uuid4().hex[:12]}"
    partial.mkdir()
    try:
        manifest = _write(tables, partial, bucket, comic_id, export_id or uuid4())
        _swap_in(partial, out)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return manifest


def is_export(folder: Path) -> bool:
    """Whether `folder` holds a complete export (its manifest names this format)."""
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get("format") == FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def _check_target(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise InvalidRequest(f"{out} is a file; give a folder for the export")
    if out.is_dir() and any(out.iterdir()) and not is_export(out):
        raise InvalidRequest(f"{out} is not empty and holds no earlier export; give a new or empty folder")


def _write(tables: ExportTables, folder: Path, bucket: str, comic_id: UUID | None, export_id: UUID) -> ExportManifest:
    exported_at = utcnow()
    (folder / "schema.sql").write_text(schema_sql(), encoding="utf-8")
    with (folder / "data.sql").open("w", encoding="utf-8", newline="\n") as out:
        write_data_sql(tables, out)
    write_csv_files(tables, folder / "csv")
    files = [_describe(folder, path) for path in sorted(folder.rglob("*")) if path.is_file()]
    bucket_root = folder / "storage" / bucket
    for parent in {file.storage_path.rpartition("/")[0] for file in tables.files}:
        (bucket_root / parent).mkdir(parents=True, exist_ok=True)
    # One read per image, hashed as it is copied. Sequential on purpose: the files are small and
    # a thread pool measured three times slower than this loop.
    files += [_copy(file.source, folder, f"storage/{bucket}/{file.storage_path}") for file in tables.files]
    files.sort(key=lambda file: file.path)
    manifest = ExportManifest(
        schema_version=SCHEMA_VERSION,
        export_id=export_id,
        exported_at=exported_at,
        comic_id=comic_id,
        bucket=bucket,
        tables=tables.counts(),
        files=files,
        problems=tables.problems,
    )
    (folder / MANIFEST).write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
    return manifest


def _describe(folder: Path, path: Path) -> ExportedFile:
    data = path.read_bytes()
    return ExportedFile(path=path.relative_to(folder).as_posix(), bytes=len(data), sha256=_sha256(data))


def _copy(source: Path, folder: Path, name: str) -> ExportedFile:
    data = source.read_bytes()
    (folder / name).write_bytes(data)
    return ExportedFile(path=name, bytes=len(data), sha256=_sha256(data))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _swap_in(partial: Path, out: Path) -> None:
    if not out.exists():
        partial.rename(out)
        return
    retired = out.parent / f".{out.name}.old-{uuid4().hex[:12]}"
    out.rename(retired)
    partial.rename(out)
    shutil.rmtree(retired, ignore_errors=True)
