"""`python main.py` as a user runs it: a real subprocess in the repo root, offline providers, a private data folder."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from PIL import Image

from tests.utils.server import REPO_ROOT, service_env

TOPIC = "teach my kid to brush their teeth every night"


def _run(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "main.py", *args],
        cwd=REPO_ROOT,
        env=service_env(data_dir),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_generate_makes_a_comic_and_prints_its_files(data_dir: Path) -> None:
    args = ["generate", TOPIC, "--age-group", "5-8", "--characters", "boy_young,parent_dad", "--style", "cartoon"]
    result = _run(args, data_dir)
    assert result.returncode == 0, result.stderr

    # stdout carries only the answer (record and panel paths) so a script can parse it;
    # the progress bar goes to stderr.
    record_match = re.search(r"^record:\s+(.+)$", result.stdout, re.MULTILINE)
    assert record_match, result.stdout
    record = Path(record_match.group(1).strip())
    panels = [Path(p.strip()) for p in re.findall(r"^panel \d+:\s+(.+)$", result.stdout, re.MULTILINE)]
    assert len(panels) == 6, result.stdout
    root = data_dir.resolve()
    for path in (record, *panels):
        assert path.is_absolute(), path
        assert path.is_relative_to(root), f"{path} is outside DATA_DIR {root}"
        assert path.is_file(), path
    for path in panels:
        with Image.open(path) as picture:
            picture.verify()  # a real, complete image, not just a file with the right name
        with Image.open(path) as picture:
            assert picture.size == (768, 512)

    page = Path(re.search(r"^page:\s+(.+)$", result.stdout, re.MULTILINE).group(1).strip())
    pdfs = dict(re.findall(r"^pdf \((\w+)\):\s+(.+)$", result.stdout, re.MULTILINE))
    assert sorted(pdfs) == ["a4", "letter"], result.stdout
    assert page.is_relative_to(root)
    with Image.open(page) as picture:
        assert picture.format == "PNG"
        assert picture.height > picture.width  # a portrait page: title, grid, lessons
    for path in map(Path, pdfs.values()):
        assert path.is_relative_to(root)
        assert path.read_bytes().startswith(b"%PDF-")

    comic = json.loads(record.read_text())
    assert comic["topic"] == TOPIC
    assert comic["style"] == "cartoon"
    assert [c["character_type"] for c in comic["characters"]] == ["boy_young", "parent_dad"]
    assert len(comic["panels"]) == 6

    assert "text: offline, images: offline" in result.stderr
    assert "100%" in result.stderr
    assert "%" not in result.stdout
    assert "Traceback" not in result.stderr


def test_unknown_character_is_a_readable_error(data_dir: Path) -> None:
    result = _run(["generate", TOPIC, "--characters", "dragon,parent_dad"], data_dir)
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors, result.stderr
    assert "dragon" in errors[0]
    assert "Traceback" not in result.stderr
    assert "record:" not in result.stdout


def test_unknown_style_is_rejected_by_argparse(data_dir: Path) -> None:
    result = _run(["generate", TOPIC, "--style", "nope"], data_dir)
    assert result.returncode == 2
    assert "invalid choice: 'nope'" in result.stderr
    assert "storybook" in result.stderr  # the valid choices are listed
    # Argument errors are caught before any work: nothing is written to the data folder.
    assert not data_dir.exists() or not any(data_dir.rglob("*.json"))


def test_help_lists_the_commands(data_dir: Path) -> None:
    result = _run(["--help"], data_dir)
    assert result.returncode == 0, result.stderr
    assert "serve" in result.stdout
    assert "generate" in result.stdout
