"""Moving a file store up, as README "Moving up: PostgreSQL" tells a user to, end to end and for real.

Comics are made by a `main.py serve` on the folders (offline providers), one with a redrawn panel,
a custom character and references; one comic's job document is then lost. `main.py export
--database-url` (twice: the second run must change nothing) moves the records into a fresh
PostgreSQL and the images into moto's S3 server. Then `main.py serve` on that database, once with
the images in the bucket and once with them left in DATA_DIR, must serve what the folders did.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.utils.move_up import Made, Snapshot, differences, make_comics, snapshot
from tests.utils.postgres import table_rows
from tests.utils.s3 import MotoS3
from tests.utils.server import run_command, run_export, service_env, start_server, stop_server


@pytest.fixture
def file_store(data_dir: Path, tmp_path: Path) -> tuple[Snapshot, Made]:
    """A folder store with comics in it, what a file-store instance serves of it, and what was made."""
    server = start_server(service_env(data_dir), tmp_path / "files.log")
    try:
        with server.client() as client:
            made = make_comics(client)
    finally:
        stop_server(server)
    (data_dir / "jobs" / f"{made.lost_job}.json").unlink()  # its comic stays: comics.job_id must be NULL
    server = start_server(service_env(data_dir), tmp_path / "files-again.log")
    try:
        with server.client() as client:
            return snapshot(client, made), made
    finally:
        stop_server(server)


def test_a_moved_up_store_serves_the_same_comics(
    file_store: tuple[Snapshot, Made], data_dir: Path, database: str, s3: MotoS3, tmp_path: Path
) -> None:
    before, made = file_store
    # What must survive: two versions of a panel, a comic without its job, every file, a custom character's references.
    assert len(before["results"][made.job_ids[0]]["versions of panel 2"]["versions"]) == 2
    assert before["readers"][made.comic_ids[2]][0] == 200
    assert before["results"][made.lost_job] == 404
    assert {status for status, _, _ in before["media"].values()} == {200}
    assert any(c["id"] == "grandma_rose" and c["references"] for c in before["characters"])
    exported = run_export(data_dir, "--database-url", database, **s3.env())
    assert exported.returncode == 0, exported.stderr
    assert "uploaded, 0 already there" in exported.stdout
    rows = table_rows(database, with_xmin=True)
    assert rows["character_references"], "the references travel with the records"

    again = run_export(data_dir, "--database-url", database, **s3.env())  # safe to run again: nothing changes
    assert again.returncode == 0, again.stderr
    assert " 0 uploaded, " in again.stdout
    assert table_rows(database, with_xmin=True) == rows

    # The records in the database, the images in the bucket: nothing on the machine but an empty folder.
    empty = tmp_path / "empty"
    on_s3 = service_env(empty, DATABASE_URL=database, IMAGE_STORE="s3", **s3.env())
    server = start_server(on_s3, tmp_path / "pg-s3.log")
    try:
        with server.client() as client:
            health = client.get("/health").json()
            assert (health["store"]["kind"], health["store"]["schema_version"]) == ("postgres", 2)
            assert health["images"]["kind"] == "s3"
            assert not differences(snapshot(client, made), before)
    finally:
        stop_server(server)
    # Only the folder's lock and the note of who holds it.
    assert {path.name for path in empty.rglob("*") if path.is_file()} <= {".lock", ".owner.json"}

    # The records in the database, the images left where they were.
    for records in ("jobs", "comics", "characters", "references"):  # what is served cannot come from the folders
        shutil.rmtree(data_dir / records, ignore_errors=True)
    server = start_server(service_env(data_dir, DATABASE_URL=database), tmp_path / "pg-files.log")
    try:
        with server.client() as client:
            assert not differences(snapshot(client, made), before)
    finally:
        stop_server(server)


def test_export_and_doctor_on_a_database_say_why_they_cannot(data_dir: Path, tmp_path: Path) -> None:
    """Run where DATABASE_URL is set, neither reads the folders as if they held the records."""
    url = "postgresql://fable:s3cret-pw@127.0.0.1:5432/fable"
    for command, args, status in (("export", ("--out", str(tmp_path / "x")), 1), ("doctor", (), 2)):
        result = run_command(command, data_dir, *args, DATABASE_URL=url)
        assert result.returncode == status, result.stderr
        assert "Traceback" not in result.stderr
        line = result.stderr.strip().splitlines()[-1]
        assert line.startswith("error: "), line
        assert "DATABASE_URL" in line
        assert "s3cret-pw" not in result.stderr + result.stdout
    assert not (tmp_path / "x").exists()
