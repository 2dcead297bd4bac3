"""Server-Sent Events: one event per visible change, ending when the job needs action or stops."""

from __future__ import annotations

import json
import uuid

from fastapi.testclient import TestClient

from tests.fakes.fal_server import FakeFal
from tests.utils.flow import API, job_at_review, job_ready_to_generate


def _events(client: TestClient, job_id: str) -> list[dict]:
    events = []
    with client.stream("GET", f"{API}/comics/{job_id}/events") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line[len("data: ") :]))
    return events


def test_a_settled_job_sends_one_event_and_ends(client: TestClient) -> None:
    job_id = job_at_review(client)
    [event] = _events(client, job_id)
    assert (event["status"], event["step"]) == ("requires_action", "scene_review")


def test_progress_is_streamed_per_panel_until_completed(real_client: TestClient, fake_fal: FakeFal) -> None:
    job_id = job_ready_to_generate(real_client)
    fake_fal.latency = 0.3
    assert real_client.post(f"{API}/comics/{job_id}/generate").status_code == 202
    events = _events(real_client, job_id)
    assert events[-1]["status"] == "completed"
    assert events[-1]["progress"] == 100
    panels = [e["panels_done"] for e in events]
    assert panels == sorted(panels)
    assert len(set(panels)) >= 4  # panel-by-panel progress, not just start and end
    progress = [e["progress"] for e in events]
    assert progress == sorted(progress)


def test_unknown_job_is_404(client: TestClient) -> None:
    assert client.get(f"{API}/comics/{uuid.uuid4()}/events").status_code == 404
