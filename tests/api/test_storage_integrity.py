"""A corrupt or truncated document is reported (health, stats) and skipped by every listing, never a 500."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.models.records import Comic
from tests.conftest import MakeSettings
from tests.utils.flow import API, completed_job
from tests.utils.stores import build_store


def _truncate(path: Path) -> bytes:
    original = path.read_bytes()
    path.write_bytes(original[: len(original) // 2])  # what a full disk or a killed editor leaves
    return original


@pytest.fixture
def damaged(data_dir: Path) -> tuple[Comic, list[str]]:
    """A store whose hostile comic, one unfinished job and the custom character were broken by hand."""
    comic = build_store(data_dir)
    job = next(p for p in (data_dir / "jobs").glob("*.json") if '"status": "requires_action"' in p.read_text())
    _truncate(job)
    _truncate(data_dir / "comics" / f"{comic.id}.json")
    _truncate(data_dir / "characters" / "grandma_rose.json")
    return comic, [f"jobs/{job.name}", f"comics/{comic.id}.json", "characters/grandma_rose.json"]


@pytest.fixture
def damaged_client(damaged: tuple[Comic, list[str]], make_settings: MakeSettings) -> Iterator[TestClient]:
    from app.main import create_app

    with TestClient(create_app(make_settings())) as client:
        yield client


def test_health_and_stats_report_documents_found_corrupt_at_start(
    damaged: tuple[Comic, list[str]], damaged_client: TestClient
) -> None:
    # The comics are checked in the background right after start-up: give that a moment.
    deadline = time.monotonic() + 10
    while (health := damaged_client.get("/health").json())["storage"]["corrupt_documents"] < 3:
        assert time.monotonic() < deadline, health
        time.sleep(0.01)
    assert health["status"] == "degraded"
    assert health["storage"] == {"corrupt_documents": 3}
    problems = damaged_client.get(f"{API}/storage/stats").json()["problems"]
    assert sorted(p["document"] for p in problems) == sorted(damaged[1])
    assert all(p["problem"] for p in problems)


def test_every_listing_skips_corrupt_documents(damaged: tuple[Comic, list[str]], damaged_client: TestClient) -> None:
    comic, _ = damaged
    jobs = damaged_client.get(f"{API}/jobs", params={"limit": 100})
    assert jobs.status_code == 200
    assert jobs.json()["total"] == 4  # five jobs, one unreadable
    characters = damaged_client.get(f"{API}/comics/characters")
    assert characters.status_code == 200
    assert "grandma_rose" not in {c["id"] for c in characters.json()["characters"]}
    export = damaged_client.post(f"{API}/export", json={})
    assert export.status_code == 201, export.text
    assert (export.json()["tables"]["jobs"], export.json()["tables"]["comics"]) == (4, 2)
    # Reading a corrupt document by id answers 409 with what is wrong, never 500.
    job = damaged_client.get(f"{API}/comics/{comic.job_id}/result")
    assert job.status_code == 409
    assert "corrupt" in job.json()["detail"]
    assert damaged_client.get(f"/comics/{comic.id}/view").status_code == 409


def test_a_document_broken_while_serving_is_reported_once_read_and_cleared_when_mended(
    client: TestClient, data_dir: Path
) -> None:
    job_id = completed_job(client)
    path = data_dir / "jobs" / f"{job_id}.json"
    original = _truncate(path)
    assert client.get("/health").json()["status"] == "ok"  # nobody has read it since
    listing = client.get(f"{API}/jobs").json()
    assert (listing["total"], listing["jobs"]) == (1, [])  # counted, but skipped
    assert client.get("/health").json() == client.get("/health").json() | {
        "status": "degraded",
        "storage": {"corrupt_documents": 1},
    }
    path.write_bytes(original)  # mended by hand
    assert client.get(f"{API}/comics/{job_id}/status").status_code == 200
    assert client.get("/health").json()["storage"] == {"corrupt_documents": 0}


def test_a_document_that_parses_but_is_not_a_record_is_reported_once_read(
    damaged: tuple[Comic, list[str]], damaged_client: TestClient, data_dir: Path
) -> None:
    # The start-up scan checks that each document is whole JSON; the rest shows when it is first read.
    (data_dir / "characters" / "grandma_rose.json").write_text('{"character_type": 7}')
    (data_dir / "characters" / "grandpa_joe.json").write_text('{"character_type": "grandpa_joe"}')
    characters = damaged_client.get(f"{API}/comics/characters")
    assert characters.status_code == 200
    assert not {"grandma_rose", "grandpa_joe"} & {c["id"] for c in characters.json()["characters"]}
    problems = {p["document"]: p["problem"] for p in damaged_client.get(f"{API}/storage/stats").json()["problems"]}
    assert "characters/grandpa_joe.json" in problems
    assert "Field required" in problems["characters/grandpa_joe.json"]
    assert damaged_client.get("/health").json()["storage"] == {"corrupt_documents": 4}


def test_deleting_a_comic_whose_job_is_corrupt_clears_the_report(client: TestClient, data_dir: Path) -> None:
    job_id = completed_job(client)
    comic_id = client.get(f"{API}/comics/{job_id}/result").json()["comic_id"]
    _truncate(data_dir / "jobs" / f"{job_id}.json")
    assert client.get(f"{API}/comics/{job_id}/status").status_code == 409
    assert client.get("/health").json()["status"] == "degraded"
    assert client.delete(f"{API}/comics/{comic_id}").status_code == 204
    assert client.get("/health").json()["status"] == "ok"
    assert client.get(f"{API}/storage/stats").json()["problems"] == []
