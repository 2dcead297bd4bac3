"""`GET /metrics` in the app: its guards, a failing provider counted, and `/health`'s store and instance id.

The scrape through a real server, with a whole offline comic, is in test_metrics_server.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from fastapi.testclient import TestClient

from app.main import create_app
from tests.conftest import MakeSettings
from tests.fakes.openai_server import FakeOpenAI
from tests.utils.flow import API, start_job, wait_until_settled
from tests.utils.metrics import sample


def test_metrics_follow_the_host_check(client: TestClient) -> None:
    response = client.get("/metrics", headers={"host": "evil.example"})
    assert response.status_code == 400
    assert "ALLOWED_HOSTS" in response.json()["detail"]


def test_metrics_need_the_token_when_one_is_set(make_settings: MakeSettings) -> None:
    with TestClient(create_app(make_settings(api_token="s3cret"))) as guarded:
        refused = guarded.get("/metrics")
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == "Bearer"
        assert guarded.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        allowed = guarded.get("/metrics", headers={"Authorization": "Bearer s3cret"})
        assert allowed.status_code == 200
        assert allowed.headers["content-type"].startswith("text/plain; version=")


def test_a_failing_provider_is_counted_by_provider_and_operation(
    make_real_settings: MakeSettings, fake_openai: FakeOpenAI
) -> None:
    fake_openai.fail_statuses.append(500)  # one answer, and no second attempt to recover with
    with TestClient(create_app(make_real_settings(retry_attempts=1))) as client:
        labels = {"provider": "openai", "operation": "write_script"}
        assert sample(client.get("/metrics").text, "fable_provider_call_failures_total", **labels) == 0
        job_id = start_job(client)
        assert wait_until_settled(client, job_id)["status"] == "failed"
        scraped = client.get("/metrics").text
    assert sample(scraped, "fable_provider_call_failures_total", **labels) == 1
    assert sample(scraped, "fable_provider_call_duration_seconds_count", **labels) == 1
    assert sample(scraped, "fable_jobs", status="failed", step="generating_scenes") == 1


def test_health_names_the_instance_and_the_file_store(make_settings: MakeSettings, data_dir: Path) -> None:
    with TestClient(create_app(make_settings(instance_id="box-1"))) as client:
        for path in ("/health", f"{API}/health"):
            body = client.get(path).json()
            assert body["status"] == "ok"
            assert body["instance_id"] == "box-1"
            assert body["store"] == {"kind": "files", "ok": True, "problem": None, "schema_version": None}
            assert body["images"] == {"kind": "files", "ok": True, "problem": None}

        shutil.rmtree(data_dir / "images")
        body = client.get("/health").json()
    assert body["status"] == "degraded"
    assert body["store"]["ok"] is True
    assert body["images"] == {"kind": "files", "ok": False, "problem": "DATA_DIR/images is missing"}
