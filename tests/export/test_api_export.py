"""Exports over HTTP: create, list, download as a zip and delete, on comics made through the workflow itself."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import psycopg
from fastapi.testclient import TestClient

from app.storage.relational.schema import TABLES
from tests.utils.flow import API, completed_job
from tests.utils.postgres import psql
from tests.utils.stores import table_counts


def _comic_id(client: TestClient, job_id: str) -> str:
    return client.get(f"{API}/comics/{job_id}/status").json()["comic_id"]


def test_export_of_two_comics_downloads_as_a_zip_that_loads(
    client: TestClient, data_dir: Path, tmp_path: Path, database: str
) -> None:
    completed_job(client)
    completed_job(client, style="cartoon")

    response = client.post(f"{API}/export")
    assert response.status_code == 201, response.text
    manifest = response.json()
    assert manifest["tables"] == table_counts(2, 2, 12, 8, references=2)
    assert manifest["comic_id"] is None
    assert manifest["bucket"] == "comics"
    assert manifest["problems"] == []
    export_id = manifest["export_id"]
    assert manifest["download_url"] == f"{API}/export/{export_id}.zip"
    assert (data_dir / "exports" / export_id / "manifest.json").is_file()

    download = client.get(manifest["download_url"])
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    assert f"fable-tales-export-{export_id}.zip" in download.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    assert archive.testzip() is None
    root = f"fable-tales-export-{export_id}"
    names = {name.removeprefix(f"{root}/") for name in archive.namelist()}
    assert names == {f["path"] for f in manifest["files"]} | {"manifest.json"}
    for file in manifest["files"]:
        data = archive.read(f"{root}/{file['path']}")
        assert (len(data), hashlib.sha256(data).hexdigest()) == (file["bytes"], file["sha256"])

    archive.extractall(tmp_path / "unzipped")
    folder = tmp_path / "unzipped" / root
    psql(database, folder / "schema.sql", folder / "data.sql")
    with psycopg.connect(database) as conn:
        for table in TABLES:
            assert conn.execute(f"SELECT count(*) FROM {table.name}").fetchone() == (manifest["tables"][table.name],)
        images = conn.execute("SELECT bucket, storage_path, sha256, size_bytes FROM images").fetchall()
    # Every image row points at its file in the folder, and describes it truly.
    files = {f["path"]: f for f in manifest["files"]}
    for bucket, storage_path, sha256, size in images:
        file = files[f"storage/{bucket}/{storage_path}"]
        assert (file["sha256"], file["bytes"]) == (sha256, size)


def test_export_of_one_comic(client: TestClient) -> None:
    first = completed_job(client)
    completed_job(client)
    comic_id = _comic_id(client, first)
    response = client.post(f"{API}/export", json={"comic_id": comic_id})
    assert response.status_code == 201, response.text
    manifest = response.json()
    assert manifest["comic_id"] == comic_id
    assert manifest["tables"] == table_counts(1, 1, 6, 2, references=2)
    images = [f["path"] for f in manifest["files"] if f["path"].startswith("storage/comics/comics/")]
    # The panels the images rows name, then what is made of them, under their names in the comic's folder.
    finished = [f"panel-{n}.lettered.png" for n in range(1, 7)] + ["page.png", "comic-a4.pdf", "comic-letter.pdf"]
    names = [f"panel-{n}.png" for n in range(1, 7)] + finished
    assert images == sorted(f"storage/comics/comics/{comic_id}/{name}" for name in names)
    # The cast's reference pictures, under the image stores' keys.
    references = [f["path"] for f in manifest["files"] if f["path"].startswith("storage/comics/characters/")]
    assert references == [f"storage/comics/characters/{kind}/storybook.v1.png" for kind in ("girl_young", "parent_mom")]


def test_bad_requests_get_clear_4xx(client: TestClient, data_dir: Path) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"
    assert client.post(f"{API}/export", json={"comic_id": unknown}).status_code == 404
    assert client.post(f"{API}/export", json={"comic_id": "../../etc"}).status_code == 422
    assert client.post(f"{API}/export", json={"comic": unknown}).status_code == 422
    assert client.get(f"{API}/export/{unknown}.zip").status_code == 404
    assert client.get(f"{API}/export/not-a-uuid.zip").status_code == 422
    assert client.get(f"{API}/export/..%2F..%2Fjobs.zip").status_code in (404, 422)
    assert not (data_dir / "exports").exists() or not any((data_dir / "exports").iterdir())


def test_an_empty_store_exports_the_character_library(client: TestClient) -> None:
    response = client.post(f"{API}/export", json={})
    assert response.status_code == 201, response.text
    assert response.json()["tables"] == table_counts(0, 0, 0, 8)
    assert client.get(response.json()["download_url"]).status_code == 200


def test_exports_are_listed_newest_first_and_can_be_deleted(client: TestClient, data_dir: Path) -> None:
    comic_id = _comic_id(client, completed_job(client))
    whole = client.post(f"{API}/export", json={}).json()
    one = client.post(f"{API}/export", json={"comic_id": comic_id}).json()
    (data_dir / "exports" / ".half-written").mkdir()  # a folder not renamed into place yet: not an export

    listed = client.get(f"{API}/export").json()
    assert [e["export_id"] for e in listed["exports"]] == [one["export_id"], whole["export_id"]]
    assert listed["exports"][0]["comic_id"] == comic_id
    assert listed["exports"][0]["download_url"] == one["download_url"]
    sizes = [sum(f["bytes"] for f in export["files"]) for export in (one, whole)]
    assert [e["bytes"] for e in listed["exports"]] == sizes
    assert listed["total_bytes"] == sum(sizes)

    assert client.delete(f"{API}/export/{whole['export_id']}").status_code == 204
    assert not (data_dir / "exports" / whole["export_id"]).exists()
    assert [e["export_id"] for e in client.get(f"{API}/export").json()["exports"]] == [one["export_id"]]
    assert client.get(whole["download_url"]).status_code == 404
    assert client.delete(f"{API}/export/{whole['export_id']}").status_code == 404
    assert client.get(f"/comics/{comic_id}/view").status_code == 200  # the store itself is untouched


def test_a_damaged_export_manifest_is_left_out_of_the_list(client: TestClient, data_dir: Path) -> None:
    kept = client.post(f"{API}/export", json={}).json()
    damaged = client.post(f"{API}/export", json={}).json()
    (data_dir / "exports" / damaged["export_id"] / "manifest.json").write_text('{"format": "fable-ta')
    listed = client.get(f"{API}/export")
    assert listed.status_code == 200
    assert [e["export_id"] for e in listed.json()["exports"]] == [kept["export_id"]]


def test_deleting_exports_refuses_bad_ids(client: TestClient, data_dir: Path) -> None:
    assert client.delete(f"{API}/export/not-a-uuid").status_code == 422
    assert client.delete(f"{API}/export/..%2F..%2Fjobs").status_code in (404, 422)
    assert client.delete(f"{API}/export/00000000-0000-4000-8000-000000000000").status_code == 404
    assert (data_dir / "jobs").is_dir()
