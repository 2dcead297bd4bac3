"""A finished comic over HTTP: lettered panels, the page PNG, the PDFs and the reader page."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from pypdf import PdfReader

from app.models.records import Composition
from app.rendering.lettering import plan
from app.rendering.picture import read_picture
from tests.conftest import MakeSettings
from tests.utils.flow import API, completed_job, job_ready_to_generate, wait_until_settled

TESSERACT = shutil.which("tesseract")
_ONE_THREAD = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # tesseracts run side by side; one thread each is faster


def _result(client: TestClient, job_id: str) -> dict:
    response = client.get(f"{API}/comics/{job_id}/result")
    assert response.status_code == 200, response.text
    return response.json()


def test_result_lists_the_page_the_pdfs_the_reader_and_lettered_panels(client: TestClient) -> None:
    comic = _result(client, completed_job(client))
    folder = f"/media/images/comics/{comic['comic_id']}/"
    assert comic["page_url"] == folder + "page.png"
    assert comic["pdf_url"] == folder + "comic-a4.pdf"
    assert comic["pdf_urls"] == {"a4": folder + "comic-a4.pdf", "letter": folder + "comic-letter.pdf"}
    assert comic["reader_url"] == f"/comics/{comic['comic_id']}/view"
    for panel in comic["panels"]:
        assert panel["image_url"] == folder + f"panel-{panel['panel_id']}.png"
        assert panel["lettered_url"] == folder + f"panel-{panel['panel_id']}.lettered.png"
        assert panel["version"] == 1


def test_every_finished_file_downloads_as_what_it_is(client: TestClient) -> None:
    comic = _result(client, completed_job(client))
    page = client.get(comic["page_url"])
    assert page.status_code == 200
    assert page.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(page.content)).height > Image.open(io.BytesIO(page.content)).width
    for paper, url in comic["pdf_urls"].items():
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        pdf = PdfReader(io.BytesIO(response.content))
        assert len(pdf.pages) == 2, paper
        expected_width = 595.2 if paper == "a4" else 612.0
        assert float(pdf.pages[0].mediabox.width) == pytest.approx(expected_width, abs=0.5)


def test_the_raw_panels_are_kept_and_the_lettered_copies_differ(client: TestClient, data_dir: Path) -> None:
    comic = _result(client, completed_job(client))
    stored = json.loads((data_dir / "comics" / f"{comic['comic_id']}.json").read_text())
    digests = {panel["panel_id"]: panel["sha256"] for panel in stored["panels"]}
    for panel in comic["panels"]:
        raw = client.get(panel["image_url"]).content
        lettered = client.get(panel["lettered_url"]).content
        assert hashlib.sha256(raw).hexdigest() == digests[panel["panel_id"]]  # as drawn, untouched
        assert raw != lettered
        assert Image.open(io.BytesIO(lettered)).size == Image.open(io.BytesIO(raw)).size


def test_pdf_paper_setting_picks_the_main_pdf(make_settings: MakeSettings) -> None:
    from app.main import create_app

    with TestClient(create_app(make_settings(pdf_paper="letter"))) as client:
        comic = _result(client, completed_job(client))
    assert comic["pdf_url"].endswith("/comic-letter.pdf")


def test_reader_page_shows_the_comic(client: TestClient) -> None:
    comic = _result(client, completed_job(client))
    response = client.get(comic["reader_url"])
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    html = response.text
    assert f"<h1>{comic['title']}</h1>" in html
    sources = re.findall(r'<img src="([^"]+)"', html)
    assert sources == [panel["lettered_url"] for panel in comic["panels"]]
    for url in (comic["page_url"], *comic["pdf_urls"].values()):
        assert f'href="{url}"' in html
    for scene in comic["scenes"]:
        assert scene["learning_point"] in html


def test_reader_page_escapes_what_the_parent_typed(client: TestClient) -> None:
    job_id = job_ready_to_generate(client)
    evil = '<script>alert("hi")</script>'
    edit = {"title": f"Hello {evil}", "dialogue": f'Mia: "{evil}"', "learning_point": f"Be safe {evil}"}
    assert client.put(f"{API}/comics/{job_id}/scenes/1", json=edit).status_code == 200
    assert client.post(f"{API}/comics/{job_id}/generate").status_code == 202
    assert wait_until_settled(client, job_id)["status"] == "completed"
    html = client.get(_result(client, job_id)["reader_url"]).text
    assert "<script>" not in html
    assert html.count("&lt;script&gt;alert(&quot;hi&quot;)&lt;/script&gt;") == 3  # alt: title, dialogue; lesson


@pytest.mark.parametrize(("comic_id", "status"), [("7b0f7c1e-0000-4000-8000-000000000000", 404), ("nope", 422)])
def test_reader_page_of_an_unknown_comic(client: TestClient, comic_id: str, status: int) -> None:
    assert client.get(f"/comics/{comic_id}/view").status_code == status


def _ocr(path: Path) -> str:
    assert TESSERACT is not None
    command = [TESSERACT, str(path), "stdout", "--psm", "6"]
    return subprocess.run(command, capture_output=True, text=True, env=_ONE_THREAD, timeout=60).stdout


@pytest.mark.skipif(TESSERACT is None, reason="tesseract is not installed (.ci/run installs tesseract-ocr)")
def test_every_balloon_reads_back_from_the_lettered_panels(client: TestClient, tmp_path: Path) -> None:
    comic = _result(client, completed_job(client))
    scenes = {scene["scene_id"]: scene for scene in comic["scenes"]}
    speakers = [member["name"] for member in comic["characters"]]
    crops: list[tuple[str, Path]] = []
    for panel in comic["panels"]:
        scene = scenes[panel["scene_id"]]
        image = Image.open(io.BytesIO(client.get(panel["lettered_url"]).content)).convert("L")
        # The layout is a pure function of the raw picture, so planning it again says where each balloon went.
        raw = Image.open(io.BytesIO(client.get(panel["image_url"]).content)).convert("RGB")
        composition = Composition.model_validate(panel["composition"]) if panel.get("composition") else None
        layout = plan(
            read_picture(raw), scene["title"], scene["dialogue"], composition or Composition.in_cast_order(speakers)
        )
        balloons = [item for item in layout.items if item.kind == "balloon"]
        assert len(balloons) == len(scene["dialogue"].splitlines())
        for index, item in enumerate(balloons):
            box = item.text_box.inflate(item.font_size // 2)
            crop = image.crop((box.x0, box.y0, box.x1, box.y1))
            path = tmp_path / f"panel-{panel['panel_id']}-{index}.png"
            crop.resize((crop.width * 2, crop.height * 2), Image.Resampling.LANCZOS).save(path)
            crops.append((" ".join(item.lines), path))
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        reads = list(pool.map(_ocr, [path for _, path in crops]))
    for (text, _), read in zip(crops, reads, strict=True):
        expected = re.findall(r"[a-z]+", text.lower())
        found = sum(word in re.findall(r"[a-z]+", read.lower()) for word in expected) / len(expected)
        assert found >= 0.85, f"read {read!r} for {text!r}"
