"""`python main.py export`: write an export folder, apply it to a database, upload its images."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import TextIO
from uuid import UUID

from app.errors import ExportFailed, FableError, InvalidRequest
from app.export.bundle import write_bundle
from app.export.database import apply_to_database, redact
from app.export.uploads import UploadReport
from app.storage.data_manager import DataManager
from app.storage.relational.tables import BUCKET_EXPORT, comic_tables, store_tables
from config import Settings


def add_export_command(commands: argparse._SubParsersAction) -> None:
    """Register the `export` command and its options."""
    export = commands.add_parser(
        "export", help="export the store (or one comic) for Supabase: a folder, a database, or both"
    )
    export.add_argument("--out", type=Path, metavar="DIR", help="write schema.sql, data.sql, csv/, storage/ here")
    export.add_argument("--database-url", metavar="URL", help="apply schema and data to this PostgreSQL database")
    export.add_argument("--comic", type=UUID, metavar="ID", help="export only this finished comic")
    export.add_argument("--supabase-url", metavar="URL", help="also upload the images to Supabase Storage here")
    export.add_argument("--supabase-key", metavar="KEY", help="the Supabase key for the upload (service role)")


def run_export_command(args: argparse.Namespace, settings: Settings) -> int:
    """Run `export`; returns the exit status."""
    # The command prints what matters; per-request and per-problem log lines would repeat it.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("app.export").setLevel(logging.ERROR)
    try:
        return asyncio.run(_export(args, settings))
    except FableError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


async def _export(args: argparse.Namespace, settings: Settings) -> int:
    url = args.supabase_url or settings.supabase_url
    key = args.supabase_key or settings.supabase_api_key
    if bool(args.supabase_url or args.supabase_key) and not (url and key):
        raise InvalidRequest("an upload needs both a Supabase URL and a key (--supabase-url, --supabase-key)")
    supabase = bool(url and key)
    s3 = _s3_wanted(settings)
    if not (args.out or args.database_url or supabase or s3):
        raise InvalidRequest("say where the export goes: --out DIR and/or --database-url URL")
    bucket = _bucket(settings, supabase=supabase, s3=s3)
    if settings.database_url:
        raise InvalidRequest(
            f"DATABASE_URL is set ({redact(settings.database_url)}): the records are in the database, and the"
            " export reads the folders of a file store. To move DATA_DIR up, run the export without DATABASE_URL"
            " and name the database with --database-url; to copy a database, use pg_dump"
        )
    if settings.image_store == "s3":
        raise InvalidRequest(BUCKET_EXPORT)
    started = time.perf_counter()
    data = DataManager(settings.data_dir)  # not opened: no start-up recovery while a server may be running
    if args.comic:
        tables = await asyncio.to_thread(comic_tables, data, args.comic, bucket)
    else:
        tables = await asyncio.to_thread(store_tables, data, bucket)
    for problem in tables.problems:
        print(f"warning: {problem}", file=sys.stderr)
    print(f"rows: {_counts(tables.counts())}")
    with tempfile.TemporaryDirectory(prefix="fable-export-") as scratch:
        folder = args.out or Path(scratch) / "export"
        if args.out or supabase or s3:
            manifest = await asyncio.to_thread(write_bundle, tables, folder, bucket=bucket, comic_id=args.comic)
            if args.out:  # otherwise a scratch folder, only there for the uploads
                size = sum(f.bytes for f in manifest.files)
                print(f"folder: {folder.resolve()} ({len(manifest.files)} files, {size / 1e6:.1f} MB)")
        if args.database_url:
            counts = await asyncio.to_thread(apply_to_database, args.database_url, tables)
            print(f"database: {redact(args.database_url)} now holds {_counts(counts)}")
        # The upload clients are imported here: `main.py` loads this module for every command.
        if url and key:
            from app.export.supabase_storage import upload_bucket_folder

            report = await upload_bucket_folder(
                folder / "storage" / bucket, base_url=url, key=key, bucket=bucket, progress=_Progress(sys.stderr)
            )
            _report("storage", f"bucket {bucket}", report)
        if s3:
            from app.export.s3_storage import upload_to_s3
            from app.storage.s3_client import s3_target

            target = s3_target(settings, bucket)
            report = await upload_to_s3(folder / "storage" / bucket, target, progress=_Progress(sys.stderr))
            _report("s3", f"bucket {bucket} at {target.endpoint_url}", report)
    print(f"done in {time.perf_counter() - started:.1f} s")
    return 0


def _s3_wanted(settings: Settings) -> bool:
    """Whether to upload to S3 too: S3_ENDPOINT_URL is set; raises InvalidRequest when its keys are not."""
    if not settings.s3_endpoint_url:
        return False
    if not (settings.s3_access_key_id and settings.s3_secret_access_key):
        raise InvalidRequest("an S3 upload needs S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY next to S3_ENDPOINT_URL")
    return True


def _bucket(settings: Settings, *, supabase: bool, s3: bool) -> str:
    """The bucket the images' rows name: the one the images are uploaded to."""
    if not s3:
        return settings.supabase_bucket
    if supabase and settings.s3_bucket != settings.supabase_bucket:
        raise InvalidRequest(
            f"the images' rows name one bucket: S3_BUCKET ({settings.s3_bucket}) and SUPABASE_BUCKET"
            f" ({settings.supabase_bucket}) differ"
        )
    return settings.s3_bucket


def _report(label: str, where: str, report: UploadReport) -> None:
    print(f"{label}: {where}: {report.uploaded} uploaded, {report.skipped} already there")
    if report.failed:
        for failure in report.failed:
            print(f"  failed: {failure}", file=sys.stderr)
        raise ExportFailed(f"{len(report.failed)} file(s) not uploaded; run the same command again to resume")


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in counts.items())


class _Progress:
    """Upload progress: a live line on a terminal, a line per tenth when output is redirected."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._shown = -1

    def __call__(self, done: int, total: int, name: str, outcome: str) -> None:
        if self._stream.isatty():
            self._stream.write(f"\rupload {done}/{total} {outcome:8} {name[-60:]:60}")
            if done == total:
                self._stream.write("\n")
        elif (tenth := done * 10 // max(total, 1)) > self._shown or outcome == "failed":
            self._shown = tenth
            self._stream.write(f"upload {done}/{total} ({outcome} {name})\n")
        self._stream.flush()
