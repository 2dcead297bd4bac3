"""`python main.py doctor`: check the whole data folder and report what is wrong with it.

Checks, in plain synchronous code (a command, not a request): documents that do not parse;
comics whose job is gone; completed jobs whose comic is gone; panel images (and redrawn versions,
lettered panels, pages and PDFs, character references) that are missing, or whose size or SHA-256 differs from the
record; image files and comic folders nothing refers to (orphans); temporary files left by
interrupted writes; files in the document folders the service never reads. Nothing is changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from app.models.records import Comic, Job, Panel
from app.models.states import JobStatus
from app.storage.inventory import IMAGES, Inventory, file_facts, inside_images, take_inventory

# Problem kinds, in report order, with their headings.
KINDS = {
    "missing_folder": "Data folder missing",
    "unreadable": "Unreadable documents",
    "misnamed": "Documents whose id is not their file name",
    "stray": "Files the service never reads",
    "missing_job": "Comics whose job is missing",
    "missing_comic": "Completed jobs whose comic is missing",
    "outside": "Paths that point outside the images folder",
    "missing_file": "Missing image or PDF files",
    "mismatch": "Images that differ from their record",
    "orphan": "Orphan images and folders (nothing refers to them)",
    "leftover": "Leftover temporary files (interrupted writes)",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the data folder."""

    kind: str  # a key of KINDS
    path: str  # relative to DATA_DIR, POSIX separators
    detail: str


@dataclass
class DoctorReport:
    """What the doctor checked and found."""

    data_dir: Path
    checked: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems


@dataclass(frozen=True)
class _Expected:
    """A file some record refers to, and what the record says about it."""

    path: str
    owner: str  # "panel 3 of comic <id>"
    size: int | None = None
    sha256: str | None = None


def examine(data_dir: Path) -> DoctorReport:
    """Check everything under `data_dir`; never writes."""
    report = DoctorReport(data_dir.resolve())
    if not report.data_dir.is_dir():
        report.problems.append(Problem("missing_folder", ".", f"{report.data_dir} does not exist or is not a folder"))
        return report
    found = take_inventory(report.data_dir)
    report.checked = {
        "jobs": len(found.jobs.records),
        "comics": len(found.comics.records),
        "custom characters": len(found.characters.records),
        "character references": len(found.references.records),
        "image files": len(found.image_files),
    }
    report.problems = [*_documents(found), *_links(found), *_files(found), *_orphans(found)]
    report.problems += [
        Problem("leftover", path, "a write was interrupted; safe to delete") for path in found.leftovers
    ]
    return report


def _documents(found: Inventory) -> Iterator[Problem]:
    for documents in (found.jobs, found.comics, found.characters, found.references):
        for path, why in documents.unreadable.items():
            yield Problem("unreadable", path, why)
        for path in documents.strays:
            yield Problem("stray", path, "not a document the service reads (name or type)")
    named = [
        *((f"jobs/{key}.json", key, str(job.id)) for key, job in found.jobs.records.items()),
        *((f"comics/{key}.json", key, str(comic.id)) for key, comic in found.comics.records.items()),
        *((f"characters/{key}.json", key, c.character_type) for key, c in found.characters.records.items()),
        *((f"references/{key}.json", key, r.character_type) for key, r in found.references.records.items()),
    ]
    for path, key, own in named:
        if key != own:
            yield Problem("misnamed", path, f"the document says its id is {own}")


def _links(found: Inventory) -> Iterator[Problem]:
    unreadable_jobs = {Path(path).stem for path in found.jobs.unreadable}
    for key, comic in found.comics.records.items():
        job = str(comic.job_id)
        if job not in found.jobs.records and job not in unreadable_jobs:
            yield Problem("missing_job", f"comics/{key}.json", f"its job {job} is missing")
    unreadable_comics = {Path(path).stem for path in found.comics.unreadable}
    for key, job in found.jobs.records.items():
        comic = str(job.comic_id)
        if job.status == JobStatus.COMPLETED and comic not in found.comics.records and comic not in unreadable_comics:
            yield Problem("missing_comic", f"jobs/{key}.json", f"completed, but its comic {comic} is missing")


def _expected(found: Inventory) -> Iterator[_Expected]:
    """Every file a record refers to (jobs in progress keep their panels so far, comics everything)."""
    records: list[tuple[str, Job | Comic]] = [
        *((f"comic {key}", comic) for key, comic in found.comics.records.items()),
        *((f"job {key}", job) for key, job in found.jobs.records.items()),
    ]
    for name, record in records:
        for panel in record.panels:
            yield from _panel_files(panel, name)
        if isinstance(record, Comic):
            finished = [record.page_path, record.pdf_path, *record.pdf_paths.values()]
            yield from (_Expected(path, f"the page or a PDF of {name}") for path in finished if path)
    for key, references in found.references.records.items():
        for style, reference in references.styles.items():
            for v in reference.versions:
                owner = f"the {style} reference of {key}, version {v.version}"
                yield _Expected(v.image_path, owner, v.size_bytes, v.sha256)


def _panel_files(panel: Panel, name: str) -> Iterator[_Expected]:
    owner = f"panel {panel.panel_id} of {name}"
    yield _Expected(panel.image_path, owner, panel.size_bytes, panel.sha256)
    for version in panel.versions:
        yield _Expected(version.image_path, f"{owner}, version {version.version}", version.size_bytes, version.sha256)
    if panel.lettered_path:
        yield _Expected(panel.lettered_path, f"the lettered {owner}")


def _files(found: Inventory) -> Iterator[Problem]:
    facts: dict[str, tuple[int, str] | None] = {}  # each file is hashed once, however often it is referred to
    reported: set[str] = set()  # a comic and its job refer to the same files: one problem per file
    for expected in dict.fromkeys(_expected(found)):
        if expected.path in reported:
            continue
        problem = _check_file(found, expected, facts)
        if problem is not None:
            reported.add(expected.path)
            yield problem


def _check_file(found: Inventory, expected: _Expected, facts: dict[str, tuple[int, str] | None]) -> Problem | None:
    file = inside_images(found.data_dir, expected.path)
    if file is None:
        return Problem("outside", expected.path, f"{expected.owner} points outside {IMAGES}/; it is never served")
    if expected.path not in facts:
        facts[expected.path] = file_facts(file)
    fact = facts[expected.path]
    if fact is None:
        return Problem("missing_file", expected.path, f"{expected.owner}: the file is missing")
    if expected.size is not None and fact[0] != expected.size:
        return Problem("mismatch", expected.path, f"{expected.owner}: {fact[0]} bytes, the record says {expected.size}")
    if expected.sha256 is not None and fact[1] != expected.sha256:
        return Problem("mismatch", expected.path, f"{expected.owner}: its SHA-256 differs from the record's")
    return None


def _orphans(found: Inventory) -> Iterator[Problem]:
    referenced = {expected.path for expected in _expected(found)}
    comic_ids = set(found.comics.records) | {str(job.comic_id) for job in found.jobs.records.values()}
    known_folders = {f"{IMAGES}/comics/{comic_id}" for comic_id in comic_ids}
    # The files of a comic whose document cannot be read are not orphans: the document is reported instead.
    unknowable = {f"{IMAGES}/comics/{Path(path).stem}" for path in found.comics.unreadable}
    orphan_folders: dict[str, int] = {}
    for path in sorted(found.image_files - referenced):
        folder = path.rsplit("/", 1)[0]
        if folder in unknowable:
            continue
        if folder.startswith(f"{IMAGES}/comics/") and folder.count("/") == 2 and folder not in known_folders:
            orphan_folders[folder] = orphan_folders.get(folder, 0) + 1
        else:
            yield Problem("orphan", path, "no comic or job refers to this file")
    for folder, count in orphan_folders.items():
        yield Problem("orphan", f"{folder}/", f"no comic or job has this id ({count} file(s))")
