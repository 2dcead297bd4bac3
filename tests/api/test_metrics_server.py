"""`GET /metrics` on a real `python main.py serve`, as Prometheus scrapes it, around a whole offline comic.

One server, with an API token (so the scrape sends it) and a fixed INSTANCE_ID, which its log lines
about jobs must carry.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.utils.flow import completed_job
from tests.utils.metrics import sample, samples
from tests.utils.server import ServerProcess, service_env, start_server, stop_server

TOKEN = {"authorization": "Bearer s3cret"}
INSTANCE = "metrics-box-1"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    root = tmp_path_factory.mktemp("metrics-server")
    process = start_server(service_env(root / "data", API_TOKEN="s3cret", INSTANCE_ID=INSTANCE), root / "server.log")
    yield process
    stop_server(process)


@pytest.fixture
def http(server: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, headers=TOKEN, timeout=30.0) as client:
        yield client


def test_a_scrape_without_the_token_is_refused(server: ServerProcess) -> None:
    assert httpx.get(f"{server.base_url}/metrics").status_code == 401


def test_an_offline_comic_shows_in_the_metrics_and_its_log_lines_name_the_instance(
    server: ServerProcess, http: httpx.Client
) -> None:
    before = http.get("/metrics")
    assert before.status_code == 200
    assert before.headers["content-type"].startswith("text/plain; version=")
    assert samples(before.text)  # parses as Prometheus text
    assert sample(before.text, "fable_jobs", status="completed", step="completed") is None

    job_id = completed_job(http)  # type: ignore[arg-type]  # the flow helpers take any httpx client

    after = http.get("/metrics").text
    assert sample(after, "fable_jobs", status="completed", step="completed") == 1
    assert sample(after, "fable_images_drawn_total", provider="offline", kind="panel") == 6
    assert sample(after, "fable_images_drawn_total", provider="offline", kind="reference") == 2  # Mia and her mom
    for call in ("write_script", "write_panel_prompts", "draw_panel", "moderate"):
        labels = {"provider": "offline", "operation": call}
        assert sample(after, "fable_provider_call_duration_seconds_count", **labels), call
        assert sample(after, "fable_provider_call_failures_total", **labels) == 0, call
    drawing = {"status": "processing", "step": "generating_images"}
    assert sample(after, "fable_job_step_duration_seconds_count", **drawing) == 1
    assert sample(after, "fable_job_step_duration_seconds_sum", **drawing) > 0
    assert sample(after, "target_info", instance_id=INSTANCE) == 1
    assert sample(after, "process_resident_memory_bytes")

    assert http.get("/health").json()["instance_id"] == INSTANCE
    log = server.log()
    assert f"[{INSTANCE}]: job {job_id}: created" in log
    assert f"[{INSTANCE}]: job {job_id}: processing/generating_images -> completed/completed" in log
    request_lines = [line for line in log.splitlines() if f"/comics/{job_id}/status" in line]
    assert request_lines
    assert all(f"[{INSTANCE}]" in line for line in request_lines)
