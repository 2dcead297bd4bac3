"""What the upload targets (Supabase Storage's REST API, an S3 bucket) share: the files of an
export's bucket folder, sent several at a time, and the report of what happened to each."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

# done so far, total, the object's path, and "uploaded", "skipped" or "failed".
Progress = Callable[[int, int, str, str], None]
# Sends one file (its path, its object name, its size) unless the target holds it already: answers
# "uploaded" or "skipped", and raises when it cannot.
SendFile = Callable[[Path, str, int], Awaitable[str]]


@dataclass
class UploadReport:
    """What an upload did."""

    uploaded: int = 0
    skipped: int = 0
    failed: list[str] = field(default_factory=list)


def files_under(folder: Path) -> list[tuple[Path, str, int]]:
    """Every file under `folder`: its path, its object name (relative, `/`-separated) and its size."""
    if not folder.is_dir():
        return []
    files = sorted(path for path in folder.rglob("*") if path.is_file())
    return [(path, path.relative_to(folder).as_posix(), path.stat().st_size) for path in files]


async def send_all(
    files: list[tuple[Path, str, int]],
    send: SendFile,
    *,
    failures: tuple[type[Exception], ...],
    concurrency: int,
    progress: Progress | None,
    target: str,
) -> UploadReport:
    """`send` every file, `concurrency` at a time; a file whose send raises one of `failures` is
    reported and the others go on, so that running the upload again resumes it."""
    report = UploadReport()
    limit = asyncio.Semaphore(concurrency)

    async def one(path: Path, name: str, size: int) -> None:
        async with limit:
            try:
                outcome = await send(path, name, size)
            except failures as exc:
                report.failed.append(f"{name}: {exc}")
                outcome = "failed"
        if outcome == "uploaded":
            report.uploaded += 1
        elif outcome == "skipped":
            report.skipped += 1
        if progress:
            progress(report.uploaded + report.skipped + len(report.failed), len(files), name, outcome)

    await asyncio.gather(*(one(*file) for file in files))
    log.info("%s: %d uploaded, %d skipped, %d failed", target, report.uploaded, report.skipped, len(report.failed))
    return report
