"""`python main.py doctor`: every kind of damage to a data folder is found, a healthy folder is clean.

Each test builds a real store (records and PNGs written through the DataManager), damages it the
way a crash, a full disk or a hand edit would, and checks the report; the last tests run the
command as a subprocess, as a user would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.models.records import Comic
from app.services.ops.doctor import DoctorReport, examine
from app.services.ops.doctor_cli import render
from tests.utils.flow import completed_job
from tests.utils.server import REPO_ROOT, service_env
from tests.utils.stores import build_store


def _kinds(report: DoctorReport) -> list[tuple[str, str]]:
    return sorted((p.kind, p.path) for p in report.problems)


def _comic(data_dir: Path, comic_id: str) -> Comic:
    return Comic.model_validate_json((data_dir / "comics" / f"{comic_id}.json").read_bytes())


@pytest.fixture
def store(data_dir: Path) -> Comic:
    """A store with three comics, unfinished and failed jobs and a custom character; returns one comic."""
    return build_store(data_dir)


def test_a_healthy_store_is_clean(data_dir: Path, store: Comic) -> None:
    report = examine(data_dir)
    assert report.problems == []
    assert report.checked == {
        "jobs": 5,
        "comics": 3,
        "custom characters": 1,
        "character references": 0,
        "image files": 15,
    }
    assert "No problems found." in render(report)


def test_a_comic_made_by_the_workflow_is_clean(client: TestClient, data_dir: Path) -> None:
    completed_job(client)  # lettered panels, the page and both PDFs: every file the records name
    report = examine(data_dir)
    assert report.problems == []
    assert report.checked["image files"] == 6 + 6 + 1 + 2 + 2  # and the cast's two references
    assert report.checked["character references"] == 2


def test_a_missing_or_changed_reference_picture_is_reported(client: TestClient, data_dir: Path) -> None:
    completed_job(client)
    pictures = sorted((data_dir / "images" / "characters").rglob("*.png"))
    assert [p.parent.name for p in pictures] == ["girl_young", "parent_mom"]
    pictures[0].unlink()
    pictures[1].write_bytes(pictures[1].read_bytes() + b"x")
    problems = {p.path: p for p in examine(data_dir).problems}
    assert problems["images/characters/girl_young/storybook.v1.png"].kind == "missing_file"
    assert "storybook reference of girl_young" in problems["images/characters/girl_young/storybook.v1.png"].detail
    assert problems["images/characters/parent_mom/storybook.v1.png"].kind == "mismatch"


def test_a_truncated_or_hand_broken_document_is_unreadable(data_dir: Path, store: Comic) -> None:
    comic_file = data_dir / "comics" / f"{store.id}.json"
    comic_file.write_bytes(comic_file.read_bytes()[:100])  # the disk filled up mid-write
    character = data_dir / "characters" / "grandma_rose.json"
    character.write_text('{"character_type": "grandma_rose"}')  # valid JSON, not a character
    problems = {p.path: p for p in examine(data_dir).problems}
    assert problems[f"comics/{store.id}.json"].kind == "unreadable"
    assert "EOF" in problems[f"comics/{store.id}.json"].detail
    assert problems["characters/grandma_rose.json"].kind == "unreadable"
    assert "name" in problems["characters/grandma_rose.json"].detail  # the missing field is named
    # The unreadable comic's images are not orphans, and its job is not "missing its comic".
    assert sorted(problems) == ["characters/grandma_rose.json", f"comics/{store.id}.json"]


def test_comics_without_jobs_and_completed_jobs_without_comics(data_dir: Path, store: Comic) -> None:
    (data_dir / "jobs" / f"{store.job_id}.json").unlink()
    other = next(p for p in (data_dir / "comics").glob("*.json") if p.stem != str(store.id))
    other_comic = Comic.model_validate_json(other.read_bytes())
    other.unlink()  # its images stay: the job still names them, so they are not orphans
    assert _kinds(examine(data_dir)) == [
        ("missing_comic", f"jobs/{other_comic.job_id}.json"),
        ("missing_job", f"comics/{store.id}.json"),
    ]


def test_missing_and_changed_images_are_found_and_named(data_dir: Path, store: Comic) -> None:
    panels = {panel.panel_id: panel for panel in store.panels}
    (data_dir / panels[1].image_path).unlink()
    (data_dir / panels[2].image_path).write_bytes(b"not the picture")
    original = (data_dir / panels[3].image_path).read_bytes()
    (data_dir / panels[3].image_path).write_bytes(bytes([original[0] ^ 1]) + original[1:])  # same size
    problems = {p.path: p for p in examine(data_dir).problems}
    assert problems[panels[1].image_path].kind == "missing_file"
    assert f"panel 1 of comic {store.id}" in problems[panels[1].image_path].detail
    assert problems[panels[2].image_path].kind == "mismatch"
    assert "15 bytes" in problems[panels[2].image_path].detail
    assert problems[panels[3].image_path].kind == "mismatch"
    assert "SHA-256" in problems[panels[3].image_path].detail
    assert len(problems) == 3  # the comic and its job share the files: one problem each


def test_orphan_files_and_folders(data_dir: Path, store: Comic) -> None:
    folder = data_dir / "images" / "comics" / str(store.id)
    (folder / "panel-9.png").write_bytes(b"x")
    stray_folder = data_dir / "images" / "comics" / "00000000-0000-4000-8000-000000000000"
    stray_folder.mkdir()
    (stray_folder / "panel-1.png").write_bytes(b"x")
    (stray_folder / "panel-2.png").write_bytes(b"x")
    (data_dir / "images" / "loose.png").write_bytes(b"x")
    report = examine(data_dir)
    assert _kinds(report) == [
        ("orphan", "images/comics/00000000-0000-4000-8000-000000000000/"),
        ("orphan", f"images/comics/{store.id}/panel-9.png"),
        ("orphan", "images/loose.png"),
    ]
    assert "(2 file(s))" in next(p.detail for p in report.problems if p.path.endswith("0000/"))


def test_leftover_temporary_files_and_strays(data_dir: Path, store: Comic) -> None:
    (data_dir / "jobs" / f".{store.job_id}.json.k3j2h1.tmp").write_bytes(b'{"id": ')
    (data_dir / "images" / "comics" / str(store.id) / ".panel-1.png.abc.tmp").write_bytes(b"\x89PNG")
    (data_dir / "comics" / "Not A Key.json").write_text("{}")
    (data_dir / "comics" / "notes.txt").write_text("hello")
    report = examine(data_dir)
    assert _kinds(report) == [
        ("leftover", f"images/comics/{store.id}/.panel-1.png.abc.tmp"),
        ("leftover", f"jobs/.{store.job_id}.json.k3j2h1.tmp"),
        ("stray", "comics/Not A Key.json"),
        ("stray", "comics/notes.txt"),
    ]


def test_a_record_pointing_outside_the_images_folder_is_reported_never_read(data_dir: Path, store: Comic) -> None:
    secret = data_dir.parent / "secret.png"
    secret.write_bytes(b"outside")
    path = data_dir / "comics" / f"{store.id}.json"
    comic = _comic(data_dir, str(store.id))
    comic.panels[0].image_path = "../secret.png"
    comic.panels[1].image_path = "images/../../secret.png"
    (data_dir / "images" / "link.png").symlink_to(secret)
    comic.panels[2].image_path = "images/link.png"
    path.write_text(comic.model_dump_json())
    outside = [p for p in examine(data_dir).problems if p.kind == "outside"]
    assert sorted(p.path for p in outside) == ["../secret.png", "images/../../secret.png", "images/link.png"]


def test_a_document_whose_id_is_not_its_file_name(data_dir: Path, store: Comic) -> None:
    path = data_dir / "comics" / f"{store.id}.json"
    path.rename(path.with_name("11111111-1111-4111-8111-111111111111.json"))
    problems = _kinds(examine(data_dir))
    assert ("misnamed", "comics/11111111-1111-4111-8111-111111111111.json") in problems


def test_the_text_report_groups_problems_by_kind(data_dir: Path, store: Comic) -> None:
    (data_dir / "jobs" / f"{store.job_id}.json").write_text("{")
    (data_dir / "images" / "loose.png").write_bytes(b"x")
    text = render(examine(data_dir))
    assert f"Data folder: {data_dir.resolve()}" in text
    assert "Unreadable documents (1):\n  jobs/" in text
    assert "Orphan images and folders (nothing refers to them) (1):\n  images/loose.png" in text
    assert text.endswith("2 problems found.\n")


def _doctor(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "main.py", "doctor", *args],
        cwd=REPO_ROOT,
        env=service_env(data_dir),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_command_exits_0_on_a_clean_folder_and_1_with_problems(data_dir: Path, store: Comic) -> None:
    clean = _doctor(data_dir)
    assert clean.returncode == 0, clean.stderr
    assert "No problems found." in clean.stdout

    (data_dir / "comics" / f"{store.id}.json").write_bytes(b'{"id": "')
    os.remove(data_dir / store.panels[0].image_path)  # reported for the job, whose comic is unreadable
    broken = _doctor(data_dir, "--json")
    assert broken.returncode == 1, broken.stderr
    report = json.loads(broken.stdout)
    assert report["ok"] is False
    assert report["data_dir"] == str(data_dir.resolve())
    assert sorted((p["kind"], p["path"]) for p in report["problems"]) == [
        ("missing_file", store.panels[0].image_path),
        ("unreadable", f"comics/{store.id}.json"),
    ]


def test_the_command_reports_a_missing_data_folder(tmp_path: Path) -> None:
    result = _doctor(tmp_path / "nowhere")
    assert result.returncode == 1
    assert "does not exist" in result.stdout
