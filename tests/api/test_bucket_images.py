"""IMAGE_STORE=s3: a whole offline comic whose images, page and PDFs are objects in moto's S3 server."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.storage.image_keys import is_panel_file
from tests.conftest import MakeSettings
from tests.utils.flow import API, completed_job, wait_until_settled
from tests.utils.s3 import MotoS3
from tests.utils.server import REPO_ROOT, free_port, service_env

_MB = 1024 * 1024
_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".pdf"}


def _settings(make_settings: MakeSettings, s3: MotoS3, **overrides: str) -> object:
    env = {key.lower(): value for key, value in s3.env(**overrides).items()}
    return make_settings(image_store="s3", **env)


@pytest.fixture
def bucket_client(make_settings: MakeSettings, s3: MotoS3) -> Iterator[TestClient]:
    from app.main import create_app

    with TestClient(create_app(_settings(make_settings, s3))) as test_client:
        yield test_client


def _image_files(data_dir: Path) -> list[Path]:
    return [p for p in data_dir.rglob("*") if p.is_file() and p.suffix.lower() in _IMAGE_SUFFIXES]


def _keys(s3: MotoS3) -> set[str]:
    return set(s3.objects("comics"))


def test_a_whole_comic_lives_in_the_bucket_and_media_streams_it(
    bucket_client: TestClient, s3: MotoS3, data_dir: Path
) -> None:
    job_id = completed_job(bucket_client)  # also fetches the page and both PDFs through /media
    comic = bucket_client.get(f"{API}/comics/{job_id}/result").json()
    comic_id = comic["panels"][0]["image_url"].split("/")[4]
    objects = s3.objects("comics")
    prefix = f"comics/{comic_id}/"
    names = {key.removeprefix(prefix) for key in objects if key.startswith(prefix)}
    assert {"page.png", "comic-a4.pdf", "comic-letter.pdf", "panel-1.png", "panel-1.lettered.png"} <= names
    assert any(key.startswith("characters/") for key in objects)  # the cast's reference pictures
    assert _image_files(data_dir) == []

    panel_url = comic["panels"][0]["image_url"]
    response = bucket_client.get(panel_url)
    key = panel_url.removeprefix("/media/images/")
    assert response.status_code == 200
    assert response.content == objects[key].data
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-length"] == str(len(objects[key].data))
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-content-type-options"] == "nosniff"
    pdf = bucket_client.get(comic["pdf_urls"]["a4"])
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content == objects[f"{prefix}comic-a4.pdf"].data

    stats = bucket_client.get(f"{API}/storage/stats").json()["image_storage"]
    panel_bytes = sum(len(o.data) for k, o in objects.items() if is_panel_file(k.rpartition("/")[2]))
    assert stats == {
        "total_images": len(objects),
        "panels_size_mb": round(panel_bytes / _MB, 3),
        "total_size_mb": round(sum(len(o.data) for o in objects.values()) / _MB, 3),
    }


def test_a_redraw_adds_a_version_and_remakes_the_page(bucket_client: TestClient, s3: MotoS3, data_dir: Path) -> None:
    job_id = completed_job(bucket_client)
    comic = bucket_client.get(f"{API}/comics/{job_id}/result").json()
    page_before = bucket_client.get(comic["page_url"]).content
    # The page and PDFs are made in the background after `completed`, or when asked for: asked for
    # here, before each count, so that neither count races the background work.
    _fetch_prints(bucket_client, comic)
    total_before = bucket_client.get(f"{API}/storage/stats").json()["image_storage"]["total_images"]

    response = bucket_client.post(f"{API}/comics/{job_id}/panels/2/regenerate", json={"seed": 777})
    assert response.status_code == 202, response.text
    assert wait_until_settled(bucket_client, job_id)["status"] == "completed"
    comic = bucket_client.get(f"{API}/comics/{job_id}/result").json()
    redrawn = comic["panels"][1]["image_url"]
    assert ".v" in redrawn
    assert bucket_client.get(redrawn).content == s3.objects("comics")[redrawn.removeprefix("/media/images/")].data
    page_after = bucket_client.get(comic["page_url"])
    assert page_after.status_code == 200
    assert page_after.content != page_before
    assert _image_files(data_dir) == []
    _fetch_prints(bucket_client, comic)
    stats = bucket_client.get(f"{API}/storage/stats").json()["image_storage"]
    objects = s3.objects("comics")
    # One more panel version; the lettered copy, the page and the PDFs were replaced, not added to.
    assert stats["total_images"] == len(objects) == total_before + 1


def _fetch_prints(client: TestClient, comic: dict) -> None:
    for url in (comic["page_url"], *comic["pdf_urls"].values()):
        assert client.get(url).status_code == 200, url


def test_the_totals_are_counted_from_the_bucket_at_start_up(
    make_settings: MakeSettings, s3: MotoS3, bucket_client: TestClient
) -> None:
    from app.main import create_app

    completed_job(bucket_client)
    before = bucket_client.get(f"{API}/storage/stats").json()["image_storage"]
    with TestClient(create_app(_settings(make_settings, s3))) as second:  # a new process on the same bucket
        assert second.get(f"{API}/storage/stats").json()["image_storage"] == before
        health = second.get("/health").json()
        assert health["images"] == {"kind": "s3", "ok": True, "problem": None}


@pytest.mark.parametrize(
    "path",
    [
        f"images/comics/{uuid4()}/panel-9.png",
        "images/comics/not-a-uuid/panel-1.png",
        "images/../config.py",
        "images/comics/%2e%2e/%2e%2e/config.py",
        "images/characters/girl_young/..%2f..%2fconfig.py",
        "images/" + "a" * 2000,
        "comics/x/panel-1.png",
    ],
)
def test_missing_and_odd_keys_are_refused(bucket_client: TestClient, path: str) -> None:
    response = bucket_client.get(f"/media/{path}")
    assert 400 <= response.status_code < 500, path


def test_image_store_s3_names_the_settings_it_lacks(make_settings: MakeSettings) -> None:
    with pytest.raises(ValidationError, match="IMAGE_STORE=s3 needs S3_ENDPOINT_URL, S3_ACCESS_KEY_ID"):
        make_settings(image_store="s3")


def test_serve_stops_with_one_clear_line_when_the_bucket_cannot_be_reached(data_dir: Path, s3: MotoS3) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    env = service_env(data_dir, IMAGE_STORE="s3", **s3.env(S3_ENDPOINT_URL=nowhere), PORT=str(free_port()))
    result = subprocess.run(
        [sys.executable, "main.py", "serve"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith(f"error: the S3 endpoint {nowhere} (bucket comics) cannot be reached"), result.stderr


def test_the_export_says_it_reads_the_images_folder(bucket_client: TestClient) -> None:
    response = bucket_client.post(f"{API}/export")
    assert response.status_code == 422
    assert "IMAGE_STORE=s3" in response.json()["detail"]
