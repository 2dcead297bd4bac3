"""What the service says about its store, on both stores: /health, /metrics, the start-up recovery, and
(PostgreSQL) a database that cannot be used at start-up."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.storage.data_manager import DataManager
from app.storage.relational.schema import SCHEMA_VERSION
from app.storage.stores import document_store
from tests.conftest import MakeSettings
from tests.utils.flow import API, job_at_review
from tests.utils.metrics import sample
from tests.utils.server import REPO_ROOT, free_port, service_env
from tests.utils.stores import drawing_job

pytestmark = pytest.mark.usefixtures("both_stores")


def test_health_names_the_store_and_its_schema_version(client: TestClient, both_stores: str) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok"
    expected = {"kind": "files", "ok": True, "problem": None, "schema_version": None}
    if both_stores == "postgres":
        expected |= {"kind": "postgres", "schema_version": SCHEMA_VERSION}
    assert body["store"] == expected
    assert body["images"]["kind"] == "files"


def test_metrics_count_the_jobs_the_store_holds(client: TestClient) -> None:
    job_at_review(client)
    job_at_review(client)
    text = client.get("/metrics").text
    assert sample(text, "fable_jobs", status="requires_action", step="scene_review") == 2


def test_jobs_left_mid_step_are_interrupted_at_start_up(make_settings: MakeSettings) -> None:
    from app.main import create_app

    async def leave_a_job_drawing() -> str:
        settings = make_settings()
        data = DataManager(settings.data_dir, documents=document_store(settings))
        await data.open()
        try:
            return str((await data.create_job(drawing_job())).id)
        finally:
            await data.aclose()

    import anyio

    job_id = anyio.run(leave_a_job_drawing)
    with TestClient(create_app(make_settings())) as client:
        status = client.get(f"{API}/comics/{job_id}/status").json()
        assert status["status"] == "interrupted"
        assert "retry" in status["actions"]
        listed = client.get(f"{API}/jobs", params={"status": "interrupted"}).json()
        assert [job["job_id"] for job in listed["jobs"]] == [job_id]


@pytest.mark.parametrize("both_stores", ["postgres"], indirect=True)
def test_serve_stops_with_one_clear_line_when_the_database_cannot_be_reached(data_dir: Path) -> None:
    url = f"postgresql://fable:s3cret-pw@127.0.0.1:{free_port()}/fable"
    env = service_env(data_dir, DATABASE_URL=url, PORT=str(free_port()))
    result = subprocess.run(
        [sys.executable, "main.py", "serve"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "s3cret-pw" not in result.stderr
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("error: the database postgresql://fable:***@127.0.0.1:"), result.stderr
    assert "cannot be used" in line
