"""`python main.py doctor [--json]`: run the checks of `doctor.py` and print a report.

Exit status 0 when the data folder is clean, 1 when anything is wrong (scripts and cron can act on it).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from typing import TextIO

from app.services.ops.doctor import KINDS, DoctorReport, examine
from config import Settings


def add_doctor_command(commands: argparse._SubParsersAction) -> None:
    """Register the `doctor` command and its options."""
    doctor = commands.add_parser(
        "doctor", help="check the data folder: unreadable documents, missing or changed images, orphans"
    )
    doctor.add_argument("--json", action="store_true", help="print the report as JSON")


def run_doctor_command(args: argparse.Namespace, settings: Settings, out: TextIO = sys.stdout) -> int:
    """Run `doctor`; returns the exit status (0 clean, 1 problems, 2 cannot check)."""
    if settings.database_url:
        # It reads the folders' JSON documents; the database's rows are checked as they are read (see /health).
        sys.stderr.write(
            "error: doctor checks a file store's folders; with DATABASE_URL set the records are in the database,"
            " which doctor does not check (GET /api/v1/storage/stats lists rows that cannot be read)\n"
        )
        return 2
    if settings.image_store == "s3":
        # It compares records with the files of the images folder; a bucket's objects are not read yet.
        sys.stderr.write("error: doctor checks the images folder; with IMAGE_STORE=s3 it has nothing to compare\n")
        return 2
    report = examine(settings.data_dir)
    out.write(json.dumps(as_json(report), indent=2) + "\n" if args.json else render(report))
    return 0 if report.ok else 1


def as_json(report: DoctorReport) -> dict[str, object]:
    """The report as plain data: where, what was checked, and every problem."""
    return {
        "data_dir": str(report.data_dir),
        "ok": report.ok,
        "checked": report.checked,
        "problems": [{"kind": p.kind, "path": p.path, "detail": p.detail} for p in report.problems],
    }


def render(report: DoctorReport) -> str:
    """The report as text for people: what was checked, then the problems grouped by kind."""
    lines = [f"Data folder: {report.data_dir}"]
    if report.checked:
        lines.append("Checked: " + ", ".join(f"{what} {count}" for what, count in report.checked.items()))
    if report.ok:
        return "\n".join([*lines, "No problems found."]) + "\n"
    grouped = defaultdict(list)
    for problem in report.problems:
        grouped[problem.kind].append(problem)
    for kind, heading in KINDS.items():
        if problems := grouped.get(kind):
            lines += ["", f"{heading} ({len(problems)}):"]
            lines += [f"  {problem.path}: {problem.detail}" for problem in problems]
    count = len(report.problems)
    lines += ["", f"{count} problem{'s' if count != 1 else ''} found."]
    return "\n".join(lines) + "\n"
