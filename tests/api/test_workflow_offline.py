"""The whole workflow over HTTP on the built-in offline providers, on the file store and on PostgreSQL."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from tests.utils.flow import API, TOPIC, completed_job, job_at_review, job_ready_to_generate, wait_until_settled

# Nothing here depends on where the records are kept: every test runs on both stores.
pytestmark = pytest.mark.usefixtures("both_stores")


def test_full_flow_produces_six_decodable_panels(client: TestClient) -> None:
    job_id = completed_job(client)

    result = client.get(f"{API}/comics/{job_id}/result")
    assert result.status_code == 200
    comic = result.json()
    assert comic["job_id"] == job_id
    assert comic["topic"] == TOPIC
    assert [p["panel_id"] for p in comic["panels"]] == [1, 2, 3, 4, 5, 6]
    assert [s["scene_id"] for s in comic["scenes"]] == [1, 2, 3, 4, 5, 6]
    assert {c["character_type"] for c in comic["characters"]} == {"girl_young", "parent_mom"}
    for panel in comic["panels"]:
        assert panel["image_url"].startswith("/media/")
        image = client.get(panel["image_url"])
        assert image.status_code == 200
        assert image.headers["content-type"] == "image/png"
        assert Image.open(io.BytesIO(image.content)).size == (768, 512)
        assert "Mia" in panel["prompt"]
        assert "yellow dress" in panel["prompt"]


def test_status_reports_progress_and_providers(client: TestClient) -> None:
    job_id = completed_job(client)
    status = client.get(f"{API}/comics/{job_id}/status").json()
    assert status["status"] == "completed"
    assert status["step"] == "completed"
    assert status["progress"] == 100
    assert status["panels_done"] == 6
    assert status["providers"] == {"text": "offline", "image": "offline"}
    assert status["actions"] == ["view_result", "redraw_panel", "select_version"]
    assert status["error"] is None


def test_scenes_are_written_for_the_topic(client: TestClient) -> None:
    job_id = job_at_review(client, age_group="9-12")
    body = client.get(f"{API}/comics/{job_id}/scenes").json()
    assert body["status"] == "requires_action"
    assert body["step"] == "scene_review"
    scenes = body["scenes"]
    assert [s["scene_id"] for s in scenes] == [1, 2, 3, 4, 5, 6]
    text = " ".join(s["description"] + s["dialogue"] + s["learning_point"] for s in scenes).lower()
    assert "candy" in text
    assert "strangers" in text
    for scene in scenes:
        assert scene["title"]
        assert scene["visual_elements"]


def test_refine_changes_only_the_named_scenes(client: TestClient) -> None:
    job_id = job_at_review(client)
    before = client.get(f"{API}/comics/{job_id}/scenes").json()["scenes"]
    feedback = [{"scene_id": 2, "feedback": "Make the stranger offer a lollipop at the bus stop."}]

    response = client.post(f"{API}/comics/{job_id}/scenes/refine", json={"feedback_list": feedback})
    assert response.status_code == 202
    assert response.json()["step"] == "refining_scenes"
    status = wait_until_settled(client, job_id)
    assert status["step"] == "scene_review"
    assert status["refine_rounds"] == 1

    after = client.get(f"{API}/comics/{job_id}/scenes").json()["scenes"]
    assert after[1] != before[1]
    assert after[1]["id"] == before[1]["id"]  # the scene keeps its identity
    assert "lollipop at the bus stop" in after[1]["description"]
    assert [a for i, a in enumerate(after) if i != 1] == [b for i, b in enumerate(before) if i != 1]


def test_approve_then_select_then_generate_steps(client: TestClient) -> None:
    job_id = job_at_review(client)
    approved = client.post(f"{API}/comics/{job_id}/scenes/refine", json={"feedback_list": []}).json()
    assert (approved["status"], approved["step"]) == ("requires_action", "character_selection")
    assert approved["actions"] == ["refine", "edit_scene", "select_characters"]

    selected = client.post(
        f"{API}/comics/{job_id}/characters/select", json={"characters": [{"character_type": "boy_young", "count": 2}]}
    ).json()
    assert selected["step"] == "comic_generation"
    assert [c["name"] for c in selected["characters"]] == ["Leo", "Leo 2"]
    assert "generate" in selected["actions"]


def test_edit_scene_by_hand(client: TestClient) -> None:
    job_id = job_at_review(client)
    before = client.get(f"{API}/comics/{job_id}/scenes").json()["scenes"][2]
    response = client.put(f"{API}/comics/{job_id}/scenes/3", json={"dialogue": 'Mia: "No, thank you!"'})
    assert response.status_code == 200
    edited = response.json()
    assert edited["dialogue"] == 'Mia: "No, thank you!"'
    assert edited["title"] == before["title"]
    stored = client.get(f"{API}/comics/{job_id}/scenes").json()["scenes"][2]
    assert stored == edited


def test_style_is_stored_with_the_comic(client: TestClient) -> None:
    job_id = completed_job(client, style="manga")
    comic = client.get(f"{API}/comics/{job_id}/result").json()
    assert comic["style"] == "manga"
    assert all("manga" in panel["prompt"] for panel in comic["panels"])


def test_characters_library_and_custom_character(client: TestClient) -> None:
    presets = client.get(f"{API}/comics/characters").json()["characters"]
    assert {c["id"] for c in presets} == {
        "boy_young", "girl_young", "boy_teen", "girl_teen", "parent_mom", "parent_dad", "friend_boy", "friend_girl",
    }  # fmt: skip
    young = {c["id"] for c in client.get(f"{API}/comics/characters", params={"age_group": "5-8"}).json()["characters"]}
    assert "boy_teen" not in young
    assert {"boy_young", "parent_dad", "friend_girl"} <= young

    grandma = {
        "character_type": "grandma_rose",
        "name": "Grandma Rose",
        "description": "A cheerful grandmother with silver curls and a lilac cardigan.",
        "visual_tags": ["adult", "silver curls"],
        "age_group": "adult",
    }
    created = client.post(f"{API}/comics/characters", json=grandma)
    assert created.status_code == 201
    assert created.json()["custom"] is True
    assert client.post(f"{API}/comics/characters", json=grandma).status_code == 409
    listed = {c["id"] for c in client.get(f"{API}/comics/characters").json()["characters"]}
    assert "grandma_rose" in listed

    job_id = job_ready_to_generate(client, [{"character_type": "grandma_rose", "count": 1}])
    assert client.get(f"{API}/comics/{job_id}/status").json()["characters"][0]["name"] == "Grandma Rose"


def test_jobs_list_is_newest_first_and_paginated(client: TestClient) -> None:
    first = job_at_review(client)
    second = job_at_review(client)
    page = client.get(f"{API}/jobs", params={"limit": 1}).json()
    assert page["total"] == 2
    assert [j["job_id"] for j in page["jobs"]] == [second]
    rest = client.get(f"{API}/jobs", params={"limit": 1, "offset": 1}).json()
    assert [j["job_id"] for j in rest["jobs"]] == [first]
    assert client.get(f"{API}/jobs", params={"status": "completed"}).json()["total"] == 0


def test_storage_stats_and_delete(client: TestClient) -> None:
    job_id = completed_job(client)
    stats = client.get(f"{API}/storage/stats").json()
    assert stats["json_storage"]["total_jobs"] == 1
    assert stats["json_storage"]["total_comics"] == 1
    # Six drawn panels, their six lettered copies, the page and the A4 and Letter PDFs, and the
    # cast's two reference pictures (kept in the library).
    assert stats["image_storage"]["total_images"] == 6 + 6 + 1 + 2 + 2
    assert stats["total_storage_mb"] > 0

    comic = client.get(f"{API}/comics/{job_id}/result").json()
    assert client.delete(f"{API}/comics/{comic['comic_id']}").status_code == 204
    assert client.get(comic["panels"][0]["image_url"]).status_code == 404
    assert client.get(f"{API}/comics/{job_id}/status").status_code == 404
    after = client.get(f"{API}/storage/stats").json()
    assert after["image_storage"]["total_images"] == 2  # the references belong to the characters, not the comic
    assert after["json_storage"]["total_comics"] == 0
    assert client.delete(f"{API}/comics/{comic['comic_id']}").status_code == 404


def test_health_names_the_providers(client: TestClient) -> None:
    for path in ("/health", f"{API}/health"):
        body = client.get(path).json()
        assert body["status"] == "ok"
        assert body["providers"] == {"text": "offline", "image": "offline"}


def test_cast_chosen_up_front_is_written_into_the_scenes(client: TestClient) -> None:
    cast = [{"character_type": "boy_young", "count": 1}, {"character_type": "parent_dad", "count": 1}]
    body = {"topic": "teach my kid to brush their teeth every night", "age_group": "5-8", "characters": cast}
    response = client.post(f"{API}/comics/scenes/generate", json=body)
    assert response.status_code == 202
    job_id = response.json()["job_id"]
    assert wait_until_settled(client, job_id)["step"] == "scene_review"

    scenes = client.get(f"{API}/comics/{job_id}/scenes").json()
    dialogue = " ".join(s["dialogue"] for s in scenes["scenes"])
    assert "Leo:" in dialogue
    assert "Dad:" in dialogue
    assert "Mia" not in dialogue
    assert "Leo" in scenes["title"]

    approved = client.post(f"{API}/comics/{job_id}/scenes/refine", json={"feedback_list": []}).json()
    assert approved["step"] == "comic_generation"  # the cast is already chosen


def test_unknown_cast_up_front_is_422_and_creates_no_job(client: TestClient) -> None:
    body = {"topic": "teach my kid to brush their teeth", "characters": [{"character_type": "dragon", "count": 1}]}
    response = client.post(f"{API}/comics/scenes/generate", json=body)
    assert response.status_code == 422
    assert "boy_young" in response.json()["detail"]
    assert client.get(f"{API}/jobs").json()["total"] == 0
