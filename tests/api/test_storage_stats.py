"""`GET /api/v1/storage/stats`: v2.0's documented answer, from running totals rather than a walk of the disk."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.storage import image_store
from app.storage.image_store import is_panel_file
from app.storage.tally import tree_usage
from tests.utils.flow import API, completed_job, wait_until_settled

_MB = 1024 * 1024


def _no_walks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any walk of the images folder fail: the stats must come from the running totals."""

    def walked(*args: object, **kwargs: object) -> None:
        raise AssertionError("the stats walked the images folder")

    monkeypatch.setattr(image_store, "tree_usage", walked)
    monkeypatch.setattr(image_store, "cached_tree_usage", walked)


def _mb(size: int) -> float:
    return round(size / _MB, 3)


def test_the_answer_has_v2s_documented_shape_and_tells_the_truth(
    client: TestClient, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    completed_job(client)
    _no_walks(monkeypatch)
    stats = client.get(f"{API}/storage/stats").json()

    # v2.0's README example, field for field; this service adds `total_characters` and `problems`.
    assert {"total_jobs", "total_comics", "total_size_mb"} <= set(stats["json_storage"])
    assert set(stats["image_storage"]) == {"total_images", "panels_size_mb", "total_size_mb"}
    assert {"json_storage", "image_storage", "total_storage_mb"} <= set(stats)

    images = data_dir / "images"
    files, size = tree_usage(images)
    _, panel_size = tree_usage(images, is_panel_file)
    assert stats["image_storage"] == {
        "total_images": files,
        "panels_size_mb": _mb(panel_size),
        "total_size_mb": _mb(size),
    }
    # Six panels and their lettered copies are the panels; the page, two PDFs and two references are not.
    assert files == 6 + 6 + 1 + 2 + 2
    assert 0 < panel_size < size
    documents = sum(p.stat().st_size for folder in ("jobs", "comics") for p in (data_dir / folder).glob("*.json"))
    assert stats["json_storage"]["total_size_mb"] == _mb(documents)
    assert stats["total_storage_mb"] == _mb(documents + size)


def test_the_totals_follow_a_redraw_and_a_delete(
    client: TestClient, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = completed_job(client)
    before = client.get(f"{API}/storage/stats").json()["image_storage"]

    assert client.post(f"{API}/comics/{job_id}/panels/2/regenerate", json={}).status_code == 202
    assert wait_until_settled(client, job_id)["status"] == "completed"
    with monkeypatch.context() as patch:
        _no_walks(patch)
        after = client.get(f"{API}/storage/stats").json()["image_storage"]
    _, panel_size = tree_usage(data_dir / "images", is_panel_file)
    assert after["panels_size_mb"] == _mb(panel_size) > before["panels_size_mb"]  # the new version is kept

    comic_id = client.get(f"{API}/comics/{job_id}/result").json()["comic_id"]
    assert client.delete(f"{API}/comics/{comic_id}").status_code == 204
    with monkeypatch.context() as patch:
        _no_walks(patch)
        gone = client.get(f"{API}/storage/stats").json()["image_storage"]
    assert gone["panels_size_mb"] == 0
    assert gone["total_images"] == 2  # the cast's references stay with the characters
