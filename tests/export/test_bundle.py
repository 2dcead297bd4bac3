"""The export folder: a truthful manifest; never half an export, never a deleted file that is not its own."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest

from app.errors import InvalidRequest
from app.export import bundle
from app.export.archive import iter_zip
from app.export.bundle import write_bundle
from app.storage.data_manager import DataManager
from app.storage.relational.schema import SCHEMA_VERSION
from app.storage.relational.tables import ExportTables, store_tables
from tests.utils.stores import build_store


@pytest.fixture
def tables(data_dir: Path) -> ExportTables:
    build_store(data_dir)
    return store_tables(DataManager(data_dir))


def test_the_manifest_describes_every_file_truly(tables: ExportTables, tmp_path: Path) -> None:
    out = tmp_path / "export"
    manifest = write_bundle(tables, out, bucket="pictures")
    on_disk = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert json.loads(on_disk.pop("manifest.json")) == json.loads(manifest.model_dump_json())
    assert {f.path: (f.bytes, f.sha256) for f in manifest.files} == {
        path: (len(data), hashlib.sha256(data).hexdigest()) for path, data in on_disk.items()
    }
    assert manifest.schema_version == SCHEMA_VERSION
    assert manifest.exported_at.utcoffset() is not None
    assert manifest.bucket == "pictures"
    images = [path for path in on_disk if path.startswith("storage/")]
    assert len(images) == manifest.tables["images"] == 15
    assert all(path.startswith("storage/pictures/comics/") for path in images)
    # Each image row's hash and size are those of the file it points at.
    for row in tables["images"]:
        data = on_disk[f"storage/pictures/{row['storage_path']}"]
        assert (row["size_bytes"], row["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())


def test_a_failed_write_leaves_the_earlier_export_and_no_partial_folder(
    tables: ExportTables, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "export"
    first = write_bundle(tables, out, bucket="comics")

    def disk_full(*args: object) -> None:
        raise OSError("No space left on device")

    monkeypatch.setattr(bundle, "write_csv_files", disk_full)
    with pytest.raises(OSError, match="No space left"):
        write_bundle(tables, out, bucket="comics")
    assert [p.name for p in tmp_path.iterdir() if p.name != "data"] == ["export"]
    assert json.loads((out / "manifest.json").read_text())["export_id"] == str(first.export_id)


def test_targets_that_are_not_exports_are_refused(tables: ExportTables, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(InvalidRequest, match="is a file"):
        write_bundle(tables, tmp_path / "file", bucket="comics")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "manifest.json").write_text('{"format": "something else"}')
    with pytest.raises(InvalidRequest, match="not empty"):
        write_bundle(tables, tmp_path / "folder", bucket="comics")
    (tmp_path / "empty").mkdir()
    write_bundle(tables, tmp_path / "empty", bucket="comics")
    assert (tmp_path / "empty" / "manifest.json").is_file()


def test_the_zip_stream_holds_every_file(tables: ExportTables, tmp_path: Path) -> None:
    out = tmp_path / "export"
    manifest = write_bundle(tables, out, bucket="comics")
    chunks = list(iter_zip(out, "root"))
    assert len(chunks) > 1  # produced piece by piece
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.testzip() is None
    assert sorted(archive.namelist()) == sorted(["root/manifest.json", *(f"root/{f.path}" for f in manifest.files)])
    png = next(info for info in archive.infolist() if info.filename.endswith(".png"))
    assert png.compress_type == zipfile.ZIP_STORED
    assert archive.getinfo("root/data.sql").compress_type == zipfile.ZIP_DEFLATED
