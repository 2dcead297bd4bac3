"""The PDFs of a finished comic: made just after `completed`, rendered on demand when missing, remade after a redraw."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from app.models.records import Comic
from tests.utils.flow import API, completed_job, job_ready_to_generate, wait_until_settled


def _comic(client: TestClient, job_id: str) -> dict:
    response = client.get(f"{API}/comics/{job_id}/result")
    assert response.status_code == 200, response.text
    return response.json()


def _pdf_files(data_dir: Path, comic: dict) -> list[Path]:
    return [data_dir / url.removeprefix("/media/") for url in comic["pdf_urls"].values()]


def test_the_pdfs_are_made_after_completed_without_being_asked_for(client: TestClient, data_dir: Path) -> None:
    job_id = job_ready_to_generate(client)
    assert client.post(f"{API}/comics/{job_id}/generate").status_code == 202
    assert wait_until_settled(client, job_id)["status"] == "completed"
    files = _pdf_files(data_dir, _comic(client, job_id))
    deadline = time.monotonic() + 30
    while not all(path.is_file() for path in files):  # nothing asks for them: they are made in the background
        assert time.monotonic() < deadline, "the PDFs were never made"
        time.sleep(0.05)
    stats = client.get(f"{API}/storage/stats").json()
    assert stats["image_storage"]["total_images"] == 6 + 6 + 1 + 2  # counted as they are written


def test_a_missing_pdf_is_rendered_when_asked_for(client: TestClient, data_dir: Path) -> None:
    comic = _comic(client, completed_job(client))
    files = _pdf_files(data_dir, comic)
    originals = [path.read_bytes() for path in files]
    for path in files:
        path.unlink()  # lost in a crash right after `completed`, or deleted by hand
    for (paper, url), original in zip(comic["pdf_urls"].items(), originals, strict=True):
        response = client.get(url)
        assert response.status_code == 200, paper
        assert response.headers["content-type"] == "application/pdf"
        assert response.content == original  # the same comic gives the same bytes
        assert len(PdfReader(io.BytesIO(response.content)).pages) == 2
    assert all(path.is_file() for path in files)


def test_reader_page_links_to_pdfs_that_download(client: TestClient, data_dir: Path) -> None:
    comic = _comic(client, completed_job(client))
    for path in _pdf_files(data_dir, comic):
        path.unlink()
    page = client.get(comic["reader_url"]).text
    for url in comic["pdf_urls"].values():
        assert f'href="{url}"' in page
        assert client.get(url).status_code == 200


def test_a_redraw_replaces_the_pdfs(client: TestClient, data_dir: Path) -> None:
    job_id = completed_job(client)
    comic = _comic(client, job_id)
    before = {paper: client.get(url).content for paper, url in comic["pdf_urls"].items()}
    assert client.post(f"{API}/comics/{job_id}/panels/3/regenerate", json={"seed": 99}).status_code == 202
    assert wait_until_settled(client, job_id)["status"] == "completed"
    after = {paper: client.get(url).content for paper, url in comic["pdf_urls"].items()}
    assert all(before[paper] != after[paper] for paper in before)
    assert client.post(f"{API}/comics/{job_id}/panels/3/versions/1/select").status_code == 202
    assert wait_until_settled(client, job_id)["status"] == "completed"
    assert {paper: client.get(url).content for paper, url in comic["pdf_urls"].items()} == before


@pytest.mark.parametrize(
    "path",
    [
        "images/comics/00000000-0000-4000-8000-000000000000/comic-a4.pdf",  # no such comic
        "images/comics/not-a-uuid-at-all-not-a-uuid-at-all-x/comic-a4.pdf",
        "images/comics/00000000-0000-4000-8000-000000000000/comic-a3.pdf",
    ],
)
def test_pdf_paths_of_nothing_answer_404(client: TestClient, path: str) -> None:
    assert client.get(f"/media/{path}").status_code == 404


def test_a_comic_finished_before_pdfs_existed_has_none_to_render(client: TestClient, data_dir: Path) -> None:
    comic = _comic(client, completed_job(client))
    record = data_dir / "comics" / f"{comic['comic_id']}.json"
    old = Comic.model_validate_json(record.read_bytes()).model_copy(update={"pdf_path": None, "pdf_paths": {}})
    record.write_text(old.model_dump_json())
    for path in _pdf_files(data_dir, comic):
        path.unlink()
    for url in comic["pdf_urls"].values():
        assert client.get(url).status_code == 404


def test_a_damaged_page_answers_409_not_500(client: TestClient, data_dir: Path) -> None:
    comic = _comic(client, completed_job(client))
    (data_dir / comic["page_url"].removeprefix("/media/")).write_bytes(b"\x89PNG not really")
    for path in _pdf_files(data_dir, comic):
        path.unlink()
    response = client.get(comic["pdf_url"])
    assert response.status_code == 409
    assert "cannot be read" in response.json()["detail"]
