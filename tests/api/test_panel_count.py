"""`panel_count` on scene generation: 1 to 12 panels make a whole comic; anything else is a 422."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.utils.flow import API, TOPIC, wait_until_settled

CAST = [{"character_type": "girl_young", "count": 1}, {"character_type": "parent_mom", "count": 1}]


def _comic_with(client: TestClient, panel_count: int) -> dict:
    body = {"topic": TOPIC, "age_group": "5-8", "characters": CAST, "panel_count": panel_count}
    started = client.post(f"{API}/comics/scenes/generate", json=body)
    assert started.status_code == 202, started.text
    job_id = started.json()["job_id"]
    assert started.json()["panel_count"] == panel_count
    assert wait_until_settled(client, job_id)["step"] == "scene_review"
    assert client.post(f"{API}/comics/{job_id}/scenes/refine", json={"feedback_list": []}).status_code == 202
    assert client.post(f"{API}/comics/{job_id}/generate").status_code == 202
    status = wait_until_settled(client, job_id)
    assert status["status"] == "completed", status
    assert status["panels_done"] == panel_count
    result = client.get(f"{API}/comics/{job_id}/result")
    assert result.status_code == 200, result.text
    return result.json()


@pytest.mark.parametrize("panel_count", [1, 12])
def test_comic_has_the_asked_number_of_panels(client: TestClient, panel_count: int) -> None:
    comic = _comic_with(client, panel_count)
    expected = list(range(1, panel_count + 1))
    assert [s["scene_id"] for s in comic["scenes"]] == expected
    assert [p["panel_id"] for p in comic["panels"]] == expected
    assert len({p["image_url"] for p in comic["panels"]}) == panel_count
    for panel in comic["panels"]:
        assert client.get(panel["image_url"]).status_code == 200


def test_scene_twelve_can_be_refined(client: TestClient) -> None:
    body = {"topic": TOPIC, "age_group": "9-12", "panel_count": 12}
    job_id = client.post(f"{API}/comics/scenes/generate", json=body).json()["job_id"]
    wait_until_settled(client, job_id)
    before = client.get(f"{API}/comics/{job_id}/scenes").json()["scenes"]
    feedback = [{"scene_id": 12, "feedback": "End at the playground with a high five."}]
    assert client.post(f"{API}/comics/{job_id}/scenes/refine", json={"feedback_list": feedback}).status_code == 202
    assert wait_until_settled(client, job_id)["refine_rounds"] == 1
    after = client.get(f"{API}/comics/{job_id}/scenes").json()["scenes"]
    assert after[11] != before[11]
    assert after[:11] == before[:11]


def test_default_is_six_panels(client: TestClient) -> None:
    response = client.post(f"{API}/comics/scenes/generate", json={"topic": TOPIC, "age_group": "5-8"})
    assert response.status_code == 202
    assert response.json()["panel_count"] == 6


@pytest.mark.parametrize("panel_count", [0, 13, -1, "six"])
def test_out_of_range_panel_count_is_rejected(client: TestClient, panel_count: object) -> None:
    response = client.post(
        f"{API}/comics/scenes/generate", json={"topic": TOPIC, "age_group": "5-8", "panel_count": panel_count}
    )
    assert response.status_code == 422, response.text
    assert "panel_count" in response.text
    assert client.get(f"{API}/jobs").json()["total"] == 0
