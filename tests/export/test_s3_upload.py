"""Uploading an export to an S3 bucket, against a real S3 protocol server (moto's) on 127.0.0.1.

Through `python main.py export` as a user runs it, and in-process; the objects are read back with
the same client library, so what is checked is what any S3 client would see.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from pathlib import Path

import pytest

from app.errors import ExportFailed
from app.export.bundle import write_bundle
from app.export.cli import run_export_command
from app.export.s3_storage import S3Target, upload_to_s3
from app.storage.data_manager import DataManager
from app.storage.relational.tables import store_tables
from config import Settings
from main import _parser
from tests.utils.s3 import ACCESS_KEY_ID, SECRET_ACCESS_KEY, MotoS3
from tests.utils.server import free_port, run_export
from tests.utils.stores import add_finished_files, fill_store


@pytest.fixture
def store(data_dir: Path) -> Path:
    """The usual store, its hostile comic finished with lettered panels, a page and both PDFs."""

    async def fill() -> None:
        data = DataManager(data_dir)
        await add_finished_files(data, await fill_store(data))

    asyncio.run(fill())
    return data_dir


def _files(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def test_cli_puts_every_image_page_and_pdf_then_skips_them_all(store: Path, tmp_path: Path, s3: MotoS3) -> None:
    out = tmp_path / "x"
    env = s3.env(S3_BUCKET="fable-comics", S3_REGION="eu-west-2")
    result = run_export(store, "--out", str(out), **env)
    assert result.returncode == 0, result.stderr
    # The rows name the bucket the images went to, and the folder is laid out for it.
    assert json.loads((out / "manifest.json").read_text())["bucket"] == "fable-comics"
    local = _files(out / "storage" / "fable-comics")
    # 15 panels, plus the hostile comic's six lettered panels, its page and its two PDFs.
    assert len(local) == 15 + 6 + 1 + 2
    assert sum(name.endswith(".pdf") for name in local) == 2
    assert f"s3: bucket fable-comics at {s3.url}: 24 uploaded, 0 already there" in result.stdout
    assert "upload 24/24" in result.stderr  # progress

    stored = s3.objects("fable-comics")
    assert {key: obj.data for key, obj in stored.items()} == local  # the same keys as the Supabase upload
    md5s = {hashlib.md5(data, usedforsecurity=False).hexdigest() for data in local.values()}
    assert {obj.etag for obj in stored.values()} == md5s
    assert {obj.content_type for key, obj in stored.items() if key.endswith(".pdf")} == {"application/pdf"}
    assert {obj.content_type for key, obj in stored.items() if key.endswith(".png")} == {"image/png"}
    assert s3.call("get_bucket_location", Bucket="fable-comics")["LocationConstraint"] == "eu-west-2"

    again = run_export(store, **env)  # no --out: a scratch folder, for the upload alone
    assert again.returncode == 0, again.stderr
    assert f"s3: bucket fable-comics at {s3.url}: 0 uploaded, 24 already there" in again.stdout


def test_an_upload_resumes_and_replaces_what_differs(store: Path, tmp_path: Path, s3: MotoS3) -> None:
    write_bundle(store_tables(DataManager(store)), tmp_path / "export", bucket="comics")
    folder = tmp_path / "export" / "storage" / "comics"
    target = S3Target(s3.url, "comics", "us-east-1", ACCESS_KEY_ID, SECRET_ACCESS_KEY)
    first = asyncio.run(upload_to_s3(folder, target, concurrency=3))
    assert (first.uploaded, first.skipped, first.failed) == (24, 0, [])

    names = sorted(_files(folder))
    s3.call("delete_object", Bucket="comics", Key=names[0])  # an upload that stopped before this one
    same_size = bytes(reversed(_files(folder)[names[1]]))  # changed in the bucket, not in size
    s3.call("put_object", Bucket="comics", Key=names[1], Body=same_size)
    seen: list[tuple[str, str]] = []
    second = asyncio.run(upload_to_s3(folder, target, progress=lambda done, total, name, how: seen.append((name, how))))
    assert (second.uploaded, second.skipped, second.failed) == (2, 22, [])
    assert sorted(name for name, how in seen if how == "uploaded") == names[:2]
    assert {key: obj.data for key, obj in s3.objects("comics").items()} == _files(folder)


def test_an_unreachable_endpoint_is_one_clear_line(store: Path, s3: MotoS3) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    result = run_export(store, **s3.env(S3_ENDPOINT_URL=nowhere))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith(f"error: the S3 endpoint {nowhere} (bucket comics) cannot be reached")


def test_refused_keys_are_one_clear_line_without_the_secret(store: Path, tmp_path: Path, s3: MotoS3) -> None:
    with s3.refusing_keys():
        result = run_export(store, **s3.env())
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith(f"error: the S3 endpoint {s3.url} (bucket comics) refused the keys (InvalidAccessKeyId)")
    assert SECRET_ACCESS_KEY not in result.stderr + result.stdout

    (tmp_path / "one").mkdir()
    (tmp_path / "one" / "a.png").write_bytes(b"a")
    target = S3Target(s3.url, "comics", "us-east-1", ACCESS_KEY_ID, SECRET_ACCESS_KEY)
    with s3.refusing_keys(), pytest.raises(ExportFailed, match="refused the keys"):
        asyncio.run(upload_to_s3(tmp_path / "one", target))
    assert SECRET_ACCESS_KEY not in repr(target)


def _export_in_process(data_dir: Path, **settings: str) -> int:
    loggers = [logging.getLogger(name) for name in ("httpx", "app.export")]
    levels = [logger.level for logger in loggers]
    try:
        args = _parser().parse_args(["export"])
        return run_export_command(args, Settings(_env_file=None, data_dir=data_dir, **settings))
    finally:  # the command quiets these for its run; the other tests' runs must not inherit that
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def test_settings_that_cannot_work_are_explained(store: Path, s3: MotoS3, capsys: pytest.CaptureFixture[str]) -> None:
    assert _export_in_process(store, s3_endpoint_url=s3.url) == 1
    assert "needs S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY" in capsys.readouterr().err
    keys = {"s3_access_key_id": ACCESS_KEY_ID, "s3_secret_access_key": SECRET_ACCESS_KEY}
    supabase = {"supabase_url": "http://127.0.0.1:9", "supabase_key": "a-key", "supabase_bucket": "two"}
    assert _export_in_process(store, s3_endpoint_url=s3.url, s3_bucket="one", **keys, **supabase) == 1
    assert "S3_BUCKET (one) and SUPABASE_BUCKET (two) differ" in capsys.readouterr().err
    assert _export_in_process(store, s3_endpoint_url="s3 at home", **keys) == 1
    assert "error: the S3 endpoint s3 at home (bucket comics) cannot be used" in capsys.readouterr().err
    assert s3.call("list_buckets")["Buckets"] == []  # nothing was sent
