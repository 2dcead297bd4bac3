"""Uploading an export's images to Supabase Storage, against a local fake of the Storage REST API.

The fake (tests/fakes/supabase_storage.py) implements the routes the upload uses, as the Storage
API reference documents them; nothing here reaches a real Supabase project.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.errors import ExportFailed
from app.export import supabase_storage
from app.export.bundle import write_bundle
from app.export.supabase_storage import upload_bucket_folder
from app.storage.data_manager import DataManager
from app.storage.relational.tables import store_tables
from tests.fakes.supabase_storage import FakeSupabaseStorage
from tests.utils.server import free_port, run_export
from tests.utils.stores import build_store


@pytest.fixture
def storage() -> Iterator[FakeSupabaseStorage]:
    with FakeSupabaseStorage() as fake:
        yield fake


@pytest.fixture
def bucket_folder(data_dir: Path, tmp_path: Path) -> Path:
    """An export's storage/comics folder: 15 panel images."""
    build_store(data_dir)
    tables = store_tables(DataManager(data_dir))
    write_bundle(tables, tmp_path / "export", bucket="comics")
    return tmp_path / "export" / "storage" / "comics"


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(supabase_storage, "_BACKOFF_SECONDS", 0.01)


def _upload(folder: Path, storage: FakeSupabaseStorage, key: str | None = None) -> supabase_storage.UploadReport:
    return asyncio.run(
        upload_bucket_folder(folder, base_url=storage.url, key=key or storage.state.key, bucket="comics", concurrency=4)
    )


def test_cli_uploads_every_image_then_resumes_with_nothing_to_do(
    data_dir: Path, tmp_path: Path, storage: FakeSupabaseStorage
) -> None:
    build_store(data_dir)
    out = tmp_path / "x"
    key = storage.state.key
    result = run_export(data_dir, "--out", str(out), "--supabase-url", storage.url, "--supabase-key", key)
    assert result.returncode == 0, result.stderr
    assert "storage: bucket comics: 15 uploaded, 0 already there" in result.stdout
    assert "upload 15/15" in result.stderr  # progress
    assert storage.state.buckets == {"comics"}
    local = {p.relative_to(out / "storage" / "comics").as_posix(): p.read_bytes() for p in out.rglob("*.png")}
    assert {path: obj.data for (_, path), obj in storage.state.objects.items()} == local
    assert all(obj.content_type == "image/png" for obj in storage.state.objects.values())
    uploads = storage.uploads()
    assert len(uploads) == 15
    for _, path, headers in uploads:
        assert path.startswith("/storage/v1/object/comics/comics/")
        assert headers["x-upsert"] == "true"
        assert headers["authorization"] == f"Bearer {key}"

    # The same again, with the settings instead of the flags: every object is there already.
    again = run_export(data_dir, "--out", str(out), SUPABASE_URL=storage.url, SUPABASE_KEY=key)
    assert again.returncode == 0, again.stderr
    assert "storage: bucket comics: 0 uploaded, 15 already there" in again.stdout
    assert len(storage.uploads()) == 15


def test_an_interrupted_upload_resumes_where_it_stopped(bucket_folder: Path, storage: FakeSupabaseStorage) -> None:
    assert _upload(bucket_folder, storage).uploaded == 15
    names = sorted(path for _, path in storage.state.objects)
    for name in names[:5]:
        del storage.state.objects[("comics", name)]
    storage.state.objects[("comics", names[5])].data = b"half a file"
    storage.state.requests.clear()

    report = _upload(bucket_folder, storage)
    assert (report.uploaded, report.skipped, report.failed) == (6, 9, [])
    assert sorted(path.removeprefix("/storage/v1/object/comics/") for _, path, _ in storage.uploads()) == names[:6]
    assert storage.state.objects[("comics", names[5])].data == (bucket_folder / names[5]).read_bytes()


def test_transient_failures_are_retried_and_lasting_ones_reported(
    bucket_folder: Path, storage: FakeSupabaseStorage
) -> None:
    storage.state.fail_uploads = [503, 502]
    report = _upload(bucket_folder, storage)
    assert (report.uploaded, report.failed) == (15, [])

    storage.state.objects.clear()
    storage.state.fail_uploads = [500] * 200
    report = _upload(bucket_folder, storage)
    assert report.uploaded == 0
    assert len(report.failed) == 15
    assert "500" in report.failed[0]


def test_a_wrong_key_is_a_clear_error(data_dir: Path, tmp_path: Path, storage: FakeSupabaseStorage) -> None:
    build_store(data_dir)
    args = ["--out", str(tmp_path / "x"), "--supabase-url", storage.url, "--supabase-key", "wrong-key"]
    result = run_export(data_dir, *args)
    assert result.returncode == 1
    assert "error: bucket 'comics' does not exist and could not be created: 400" in result.stderr
    assert "Traceback" not in result.stderr
    assert storage.state.objects == {}


def test_an_unreachable_storage_is_a_clear_error(bucket_folder: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ExportFailed, match="cannot reach Supabase Storage"):
        asyncio.run(upload_bucket_folder(bucket_folder, base_url=url, key="k", bucket="comics"))


def test_upload_alone_needs_no_folder(data_dir: Path, storage: FakeSupabaseStorage) -> None:
    build_store(data_dir)
    result = run_export(data_dir, "--supabase-url", storage.url, "--supabase-key", storage.state.key)
    assert result.returncode == 0, result.stderr
    assert "folder:" not in result.stdout  # written to a scratch folder, removed afterwards
    assert "storage: bucket comics: 15 uploaded, 0 already there" in result.stdout
