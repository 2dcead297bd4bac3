"""A finished comic's page and PDFs: made after `completed`, made on demand when missing, remade after a redraw."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from pypdf import PdfReader

from app.models.records import Comic
from tests.utils.flow import API, completed_job, job_ready_to_generate, wait_until_settled


def _comic(client: TestClient, job_id: str) -> dict:
    response = client.get(f"{API}/comics/{job_id}/result")
    assert response.status_code == 200, response.text
    return response.json()


def _files(data_dir: Path, comic: dict) -> list[Path]:
    """The page, then the PDFs."""
    urls = [comic["page_url"], *comic["pdf_urls"].values()]
    return [data_dir / url.removeprefix("/media/") for url in urls]


def test_page_and_pdfs_are_made_after_completed_without_being_asked_for(client: TestClient, data_dir: Path) -> None:
    job_id = job_ready_to_generate(client)
    assert client.post(f"{API}/comics/{job_id}/generate").status_code == 202
    assert wait_until_settled(client, job_id)["status"] == "completed"
    comic = _comic(client, job_id)
    assert all(panel["lettered_url"] for panel in comic["panels"])  # lettered before `completed`
    files = _files(data_dir, comic)
    deadline = time.monotonic() + 30
    while not all(path.is_file() for path in files):  # nothing asks for them: they are made in the background
        assert time.monotonic() < deadline, "the page and PDFs were never made"
        time.sleep(0.05)
    stats = client.get(f"{API}/storage/stats").json()
    assert stats["image_storage"]["total_images"] == 6 + 6 + 1 + 2 + 2  # and two references; counted as written


def test_missing_files_are_made_when_asked_for(client: TestClient, data_dir: Path) -> None:
    comic = _comic(client, completed_job(client))
    files = _files(data_dir, comic)
    originals = [path.read_bytes() for path in files]
    for path in files:
        path.unlink()  # lost in a crash right after `completed`, or deleted by hand
    for paper, url in comic["pdf_urls"].items():  # a PDF first: it needs the page, which is made on the way
        response = client.get(url)
        assert response.status_code == 200, paper
        assert response.headers["content-type"] == "application/pdf"
        assert len(PdfReader(io.BytesIO(response.content)).pages) == 2
    assert [path.read_bytes() for path in files] == originals  # the same comic gives the same bytes
    files[0].unlink()
    page = client.get(comic["page_url"])
    assert page.status_code == 200
    assert page.content == originals[0]
    with Image.open(io.BytesIO(page.content)) as picture:
        assert picture.format == "PNG"


def test_reader_page_links_to_files_that_download(client: TestClient, data_dir: Path) -> None:
    comic = _comic(client, completed_job(client))
    for path in _files(data_dir, comic):
        path.unlink()
    page = client.get(comic["reader_url"]).text
    for url in (comic["page_url"], *comic["pdf_urls"].values()):
        assert f'href="{url}"' in page
        assert client.get(url).status_code == 200


def test_a_redraw_replaces_the_page_and_pdfs(client: TestClient) -> None:
    job_id = completed_job(client)
    comic = _comic(client, job_id)
    urls = [comic["page_url"], *comic["pdf_urls"].values()]
    before = [client.get(url).content for url in urls]
    assert client.post(f"{API}/comics/{job_id}/panels/3/regenerate", json={"seed": 99}).status_code == 202
    assert wait_until_settled(client, job_id)["status"] == "completed"
    after = [client.get(url).content for url in urls]
    assert all(old != new for old, new in zip(before, after, strict=True))
    assert client.post(f"{API}/comics/{job_id}/panels/3/versions/1/select").status_code == 202
    assert wait_until_settled(client, job_id)["status"] == "completed"
    assert [client.get(url).content for url in urls] == before


@pytest.mark.parametrize(
    "path",
    [
        "images/comics/00000000-0000-4000-8000-000000000000/comic-a4.pdf",  # no such comic
        "images/comics/00000000-0000-4000-8000-000000000000/page.png",
        "images/comics/not-a-uuid-at-all-not-a-uuid-at-all-x/comic-a4.pdf",
        "images/comics/00000000-0000-4000-8000-000000000000/comic-a3.pdf",
    ],
)
def test_paths_of_nothing_answer_404(client: TestClient, path: str) -> None:
    assert client.get(f"/media/{path}").status_code == 404


def test_a_comic_finished_before_these_files_existed_has_none_to_make(client: TestClient, data_dir: Path) -> None:
    comic = _comic(client, completed_job(client))
    record = data_dir / "comics" / f"{comic['comic_id']}.json"
    old = Comic.model_validate_json(record.read_bytes())
    record.write_text(old.model_copy(update={"page_path": None, "pdf_path": None, "pdf_paths": {}}).model_dump_json())
    for path in _files(data_dir, comic):
        path.unlink()
    for url in (comic["page_url"], *comic["pdf_urls"].values()):
        assert client.get(url).status_code == 404


def test_a_damaged_picture_answers_409_not_500(client: TestClient, data_dir: Path) -> None:
    comic = _comic(client, completed_job(client))
    page, *pdfs = _files(data_dir, comic)
    page.write_bytes(b"\x89PNG not really")
    for path in pdfs:
        path.unlink()
    response = client.get(comic["pdf_url"])
    assert response.status_code == 409
    assert "cannot be read" in response.json()["detail"]
    page.unlink()
    (data_dir / comic["panels"][0]["lettered_url"].removeprefix("/media/")).write_bytes(b"not a picture")
    assert client.get(comic["page_url"]).status_code == 409
