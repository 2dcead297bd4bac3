"""`python main.py generate --panels N`: the number of panels, checked before anything starts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.test_cli import TOPIC, _run


def test_generate_draws_the_asked_number_of_panels(data_dir: Path) -> None:
    result = _run(["generate", TOPIC, "--panels", "2"], data_dir)
    assert result.returncode == 0, result.stderr
    panels = re.findall(r"^panel (\d+):\s+(.+)$", result.stdout, re.MULTILINE)
    assert [number for number, _ in panels] == ["1", "2"], result.stdout
    assert all(Path(path.strip()).is_file() for _, path in panels)


@pytest.mark.parametrize("value", ["0", "13", "two"])
def test_out_of_range_panels_are_refused(data_dir: Path, value: str) -> None:
    result = _run(["generate", TOPIC, "--panels", value], data_dir)
    assert result.returncode == 2
    assert "--panels" in result.stderr
    assert not (data_dir / "jobs").exists()
