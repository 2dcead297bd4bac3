"""Cancel stops in-flight work, fal.ai requests included, and retry resumes the job."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from tests.fakes.fal_server import FakeFal
from tests.utils.flow import API, job_at_review, job_ready_to_generate, wait_for_references, wait_until_settled


def _wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_cancel_mid_generation_cancels_fal_requests_and_retry_completes(
    real_client: TestClient, fake_fal: FakeFal
) -> None:
    job_id = job_ready_to_generate(real_client)
    wait_for_references(real_client, ["girl_young", "parent_mom"])
    references = len(fake_fal.submissions)
    fake_fal.latency = 30.0
    assert real_client.post(f"{API}/comics/{job_id}/generate").status_code == 202
    _wait_for(lambda: len(fake_fal.submissions) == references + 6)
    time.sleep(0.5)  # let the SDK receive the request ids (a request cancelled mid-submit has none to cancel)

    cancelled = real_client.post(f"{API}/comics/{job_id}/cancel")
    assert cancelled.status_code == 200
    body = cancelled.json()
    assert (body["status"], body["step"], body["actions"]) == ("cancelled", "generating_images", ["retry"])
    assert sorted(fake_fal.cancelled) == sorted(s["request_id"] for s in fake_fal.submissions[references:])
    time.sleep(0.2)
    assert real_client.get(f"{API}/comics/{job_id}/status").json()["status"] == "cancelled"  # nothing overwrote it

    fake_fal.latency = 0.0
    assert real_client.post(f"{API}/comics/{job_id}/retry").status_code == 202
    done = wait_until_settled(real_client, job_id)
    assert done["status"] == "completed"
    assert done["attempts"] == 1


def test_cancel_is_409_when_nothing_runs(client: TestClient) -> None:
    job_id = job_at_review(client)
    response = client.post(f"{API}/comics/{job_id}/cancel")
    assert response.status_code == 409
    assert "scene_review" in response.json()["detail"]
