"""Wrong states, unknown or malformed ids and bad bodies get clear 4xx answers, never a 500."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.models.records import Job
from app.models.states import JobStatus
from tests.utils.flow import API, completed_job, job_at_review, job_ready_to_generate
from tests.utils.gates import panel

CAST = {"characters": [{"character_type": "girl_young", "count": 1}]}


def test_generate_before_characters_is_409_naming_the_step(client: TestClient) -> None:
    job_id = job_at_review(client)
    response = client.post(f"{API}/comics/{job_id}/generate")
    assert response.status_code == 409
    assert "scene_review" in response.json()["detail"]


def test_result_before_completion_is_409(client: TestClient) -> None:
    job_id = job_ready_to_generate(client)
    response = client.get(f"{API}/comics/{job_id}/result")
    assert response.status_code == 409
    assert "comic_generation" in response.json()["detail"]


def test_actions_after_completion_are_409(client: TestClient) -> None:
    job_id = completed_job(client)
    assert client.post(f"{API}/comics/{job_id}/scenes/refine", json={"feedback_list": []}).status_code == 409
    assert client.post(f"{API}/comics/{job_id}/characters/select", json=CAST).status_code == 409
    assert client.post(f"{API}/comics/{job_id}/generate").status_code == 409
    assert client.put(f"{API}/comics/{job_id}/scenes/1", json={"title": "New"}).status_code == 409
    assert client.post(f"{API}/comics/{job_id}/retry").status_code == 409


def test_approving_twice_is_409(client: TestClient) -> None:
    job_id = job_at_review(client)
    assert client.post(f"{API}/comics/{job_id}/scenes/refine", json={"feedback_list": []}).status_code == 202
    second = client.post(f"{API}/comics/{job_id}/scenes/refine", json={"feedback_list": []})
    assert second.status_code == 409
    assert "character_selection" in second.json()["detail"]


def test_refine_limit(client: TestClient) -> None:
    from tests.utils.flow import wait_until_settled

    job_id = job_at_review(client)
    feedback = {"feedback_list": [{"scene_id": 1, "feedback": "Make it sunnier."}]}
    for _ in range(5):
        assert client.post(f"{API}/comics/{job_id}/scenes/refine", json=feedback).status_code == 202
        wait_until_settled(client, job_id)
    sixth = client.post(f"{API}/comics/{job_id}/scenes/refine", json=feedback)
    assert sixth.status_code == 409
    assert "5 times" in sixth.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/comics/{id}/status"),
        ("get", "/comics/{id}/scenes"),
        ("get", "/comics/{id}/result"),
        ("post", "/comics/{id}/generate"),
        ("post", "/comics/{id}/retry"),
        ("delete", "/comics/{id}"),
    ],
)
def test_unknown_ids_are_404_and_malformed_ids_422(client: TestClient, method: str, path: str) -> None:
    unknown = getattr(client, method)(API + path.format(id=uuid.uuid4()))
    assert unknown.status_code == 404
    assert "detail" in unknown.json()
    for bad in ("not-a-uuid", "..%2F..%2Fetc%2Fpasswd", "%2e%2e", "1"):
        response = getattr(client, method)(API + path.format(id=bad))
        assert response.status_code in (404, 422), (bad, response.status_code)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"topic": "short"},
        {"topic": "x" * 501},
        {"topic": "a perfectly fine topic", "age_group": "3-4"},
        {"topic": 42},
        {"topic": "a perfectly fine topic", "extra": True},
        [],
    ],
)
def test_bad_generate_bodies_are_422(client: TestClient, body: object) -> None:
    assert client.post(f"{API}/comics/scenes/generate", json=body).status_code == 422


def test_malformed_json_is_422(client: TestClient) -> None:
    response = client.post(
        f"{API}/comics/scenes/generate", content=b'{"topic": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


def test_bad_refine_and_select_bodies(client: TestClient) -> None:
    job_id = job_at_review(client)
    refine = f"{API}/comics/{job_id}/scenes/refine"
    assert client.post(refine, json={"feedback_list": [{"scene_id": 9, "feedback": "x"}]}).status_code == 422
    assert client.post(refine, json={"feedback_list": [{"scene_id": 1, "feedback": ""}]}).status_code == 422
    twice = [{"scene_id": 1, "feedback": "a"}, {"scene_id": 1, "feedback": "b"}]
    assert client.post(refine, json={"feedback_list": twice}).status_code == 422

    select = f"{API}/comics/{job_id}/characters/select"
    assert client.post(select, json={"characters": []}).status_code == 422
    assert client.post(select, json={"characters": [{"character_type": "dragon", "count": 1}]}).status_code == 422
    too_many = {
        "characters": [{"character_type": "boy_young", "count": 3}, {"character_type": "parent_dad", "count": 2}]
    }
    response = client.post(select, json=too_many)
    assert response.status_code == 422
    assert "1 to 4" in response.json()["detail"]
    # nothing above changed the job
    assert client.get(f"{API}/comics/{job_id}/status").json()["step"] == "scene_review"


def test_bad_scene_edits(client: TestClient) -> None:
    job_id = job_at_review(client)
    assert client.put(f"{API}/comics/{job_id}/scenes/1", json={}).status_code == 422
    assert client.put(f"{API}/comics/{job_id}/scenes/1", json={"title": ""}).status_code == 422
    assert client.put(f"{API}/comics/{job_id}/scenes/99", json={"title": "x"}).status_code == 422
    assert client.put(f"{API}/comics/{job_id}/scenes/0", json={"title": "x"}).status_code == 422


def test_unknown_style_is_422(client: TestClient) -> None:
    job_id = job_ready_to_generate(client)
    response = client.post(f"{API}/comics/{job_id}/generate", json={"style": "oil-on-velvet"})
    assert response.status_code == 422
    assert "storybook" in response.json()["detail"]


def test_media_never_leaves_the_images_folder(client: TestClient, data_dir: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    (data_dir / "jobs" / "x.json").write_text("{}")
    link = data_dir / "images" / "link.png"
    link.symlink_to(secret)
    for path in (
        "/media/../secret.txt",
        "/media/%2e%2e/%2e%2e/secret.txt",
        "/media/jobs/x.json",
        "/media/images/link.png",
        f"/media/{secret}",
        "/media//etc/passwd",
        "/media/images/..%2f..%2fsecret.txt",
        "/media/images\\..\\..\\secret.txt",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert b"top secret" not in response.content


def test_corrupt_job_document_is_reported_not_500(client: TestClient, data_dir: Path) -> None:
    job_id = job_at_review(client)
    (data_dir / "jobs" / f"{job_id}.json").write_text('{"id": "truncated')
    response = client.get(f"{API}/comics/{job_id}/status")
    assert response.status_code == 409
    assert "corrupt" in response.json()["detail"] or "validation" in response.json()["detail"]
    assert client.get(f"{API}/jobs").status_code == 200


def test_a_move_the_transition_table_refuses_is_409_naming_both_states(client: TestClient) -> None:
    # A job marked completed by hand while at review: the action rules let a completed job redraw
    # a panel, but the transition table has no move out of completed/scene_review.
    job_id = job_at_review(client)

    def mended_by_hand(job: Job) -> None:
        job.status = JobStatus.COMPLETED
        job.panels = [panel(1)]

    services = client.app.state.services  # type: ignore[attr-defined]
    assert client.portal is not None
    client.portal.call(services.data.update_job, uuid.UUID(job_id), mended_by_hand)
    before = client.get(f"{API}/comics/{job_id}/status").json()

    response = client.post(f"{API}/comics/{job_id}/panels/1/regenerate")
    assert response.status_code == 409
    detail = "the job cannot move from completed/scene_review to processing/redrawing_panel"
    assert response.json() == {"detail": detail}
    assert client.get(f"{API}/comics/{job_id}/status").json() == before
