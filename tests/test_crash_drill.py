"""kill -9 at random moments while comics are drawn: every comic completes after retry, nothing is paid twice."""

from __future__ import annotations

from pathlib import Path

from scripts.crash_drill import run_drill


def test_comics_survive_random_kills(tmp_path: Path) -> None:
    report = run_drill(comics=3, kills=4, workdir=tmp_path, image_latency=0.6)
    assert report.kills == 4
    assert report.unreadable_json == []
    assert report.completed == 3, (tmp_path / "server.log").read_text()[-3000:]
    assert report.panels_requested_twice == {}
