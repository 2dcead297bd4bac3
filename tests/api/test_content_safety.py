"""Content safety end to end: unsafe topics and feedback are refused, unsafe generated scenes are
written again once and then fail the job, and an image fal.ai flags NSFW is redrawn with a new seed.

Offline tests use the word list; the others run the real `openai` and `fal_client` SDKs against
the local fakes (the fake moderation endpoint flags any text containing `fake_openai.flag_word`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import MakeSettings
from tests.fakes.fal_server import FakeFal
from tests.fakes.openai_server import FakeOpenAI
from tests.utils.flow import (
    API,
    completed_job,
    job_at_review,
    job_ready_to_generate,
    start_job,
    wait_for_references,
    wait_until_settled,
)

SAFETY_TOPICS = [
    "teach my kid not to accept candy from strangers",
    "what to do if someone hurts you",
    "bullying",
    "fire safety",
    "don't play with matches",
]


@pytest.mark.parametrize("topic", SAFETY_TOPICS)
def test_the_products_own_safety_topics_are_accepted(client: TestClient, topic: str) -> None:
    response = client.post(f"{API}/comics/scenes/generate", json={"topic": f"teach my child about {topic}"})
    assert response.status_code == 202, response.text


def test_an_unsafe_topic_is_refused_with_the_reason_and_nothing_is_stored(client: TestClient, data_dir: Path) -> None:
    response = client.post(f"{API}/comics/scenes/generate", json={"topic": "a story where the dog gets decapitated"})
    assert response.status_code == 422
    body = response.json()
    assert body["categories"] == ["violence/graphic"]
    assert "the topic" in body["detail"]
    assert "violence/graphic" in body["detail"]
    assert '"decapitated"' in body["detail"]
    assert client.get(f"{API}/jobs").json()["total"] == 0
    assert list((data_dir / "jobs").glob("*.json")) == []


def test_unsafe_feedback_is_refused_and_the_scenes_stay_as_they_were(client: TestClient) -> None:
    job_id = job_at_review(client)
    before = client.get(f"{API}/comics/{job_id}/scenes").json()
    feedback = [
        {"scene_id": 1, "feedback": "Make the stranger kinder."},
        {"scene_id": 3, "feedback": "Add blood and gore everywhere."},
    ]
    response = client.post(f"{API}/comics/{job_id}/scenes/refine", json={"feedback_list": feedback})
    assert response.status_code == 422
    assert "feedback on scene 3" in response.json()["detail"]
    assert "scene 1" not in response.json()["detail"]
    status = client.get(f"{API}/comics/{job_id}/status").json()
    assert (status["status"], status["step"]) == ("requires_action", "scene_review")
    assert client.get(f"{API}/comics/{job_id}/scenes").json() == before


def test_an_unsafe_hand_edit_of_a_scene_is_refused(client: TestClient) -> None:
    job_id = job_at_review(client)
    response = client.put(f"{API}/comics/{job_id}/scenes/2", json={"dialogue": "Mia: how to make a pipe bomb"})
    assert response.status_code == 422
    assert response.json()["categories"] == ["illicit/violent"]
    assert "pipe bomb" not in client.get(f"{API}/comics/{job_id}/scenes").text


def test_an_unsafe_custom_character_is_refused(client: TestClient) -> None:
    character = {
        "character_type": "uncle_bob",
        "name": "Uncle Bob",
        "description": "A tall man who always carries a pipe bomb in his coat.",
        "age_group": "adult",
    }
    response = client.post(f"{API}/comics/characters", json=character)
    assert response.status_code == 422
    assert response.json()["categories"] == ["illicit/violent"]
    assert (
        client.post(f"{API}/comics/characters", json=character | {"description": "A tall man in a coat."}).status_code
        == 201
    )


def test_an_unsafe_redraw_prompt_is_refused_and_the_comic_stays_as_it_was(client: TestClient) -> None:
    job_id = completed_job(client)
    response = client.post(f"{API}/comics/{job_id}/panels/2/regenerate", json={"prompt": "a sign saying FUCK"})
    assert response.status_code == 422
    assert response.json()["categories"] == ["profanity"]
    assert client.get(f"{API}/comics/{job_id}/status").json()["status"] == "completed"
    assert len(client.get(f"{API}/comics/{job_id}/panels/2/versions").json()["versions"]) == 1


# -- with OpenAI: the moderation endpoint ---------------------------------------------------------


def test_with_openai_the_topic_goes_to_the_moderation_endpoint(
    real_client: TestClient, fake_openai: FakeOpenAI
) -> None:
    response = real_client.post(f"{API}/comics/scenes/generate", json={"topic": "a comic about zzunsafe things"})
    assert response.status_code == 422
    assert response.json()["categories"] == ["violence/graphic"]
    assert fake_openai.moderations[0] == {"model": "omni-moderation-latest", "input": ["a comic about zzunsafe things"]}
    assert fake_openai.requests == []  # refused before any paid call
    assert real_client.get(f"{API}/jobs").json()["total"] == 0


def test_flagged_generated_scenes_are_written_once_more(real_client: TestClient, fake_openai: FakeOpenAI) -> None:
    fake_openai.unsafe_replies = 1
    job_id = job_at_review(real_client)
    assert len(fake_openai.requests_for("ComicScript")) == 2
    assert "zzunsafe" not in real_client.get(f"{API}/comics/{job_id}/scenes").text
    # the topic, then each version of the script (title + six scenes in one request)
    assert [len(m["input"]) for m in fake_openai.moderations] == [1, 7, 7]


def test_scenes_flagged_twice_fail_the_job_with_a_clear_error(real_client: TestClient, fake_openai: FakeOpenAI) -> None:
    fake_openai.unsafe_replies = 2
    job_id = start_job(real_client)
    status = wait_until_settled(real_client, job_id)
    assert (status["status"], status["step"]) == ("failed", "generating_scenes")
    assert "flagged as unsuitable for children twice" in status["error"]
    assert "scene 1: violence/graphic" in status["error"]
    assert len(fake_openai.requests_for("ComicScript")) == 2  # once more, not forever
    assert real_client.get(f"{API}/comics/{job_id}/scenes").json()["scenes"] == []
    # A retry writes them again (this time the model behaves).
    assert real_client.post(f"{API}/comics/{job_id}/retry").status_code == 202
    assert wait_until_settled(real_client, job_id)["step"] == "scene_review"


def test_rewritten_scenes_are_screened_too(real_client: TestClient, fake_openai: FakeOpenAI) -> None:
    job_id = job_at_review(real_client)
    before = real_client.get(f"{API}/comics/{job_id}/scenes").json()["scenes"]
    fake_openai.unsafe_replies = 2
    feedback = [{"scene_id": 2, "feedback": "Let the child ask a police officer for help."}]
    assert real_client.post(f"{API}/comics/{job_id}/scenes/refine", json={"feedback_list": feedback}).status_code == 202
    status = wait_until_settled(real_client, job_id)
    assert status["status"] == "failed"
    assert "rewritten scenes were flagged" in status["error"]
    assert len(fake_openai.requests_for("SceneRewrites")) == 2
    assert real_client.get(f"{API}/comics/{job_id}/scenes").json()["scenes"] == before


# -- fal.ai's safety checker --------------------------------------------------------------------------


def test_an_image_flagged_nsfw_is_redrawn_once_with_the_next_seed(real_client: TestClient, fake_fal: FakeFal) -> None:
    job_id = job_ready_to_generate(real_client)
    wait_for_references(real_client, ["girl_young", "parent_mom"])
    references = len(fake_fal.submissions)  # only the panels are looked at below
    fake_fal.nsfw_results = 1
    assert real_client.post(f"{API}/comics/{job_id}/generate").status_code == 202
    assert wait_until_settled(real_client, job_id)["status"] == "completed"

    submissions = fake_fal.submissions[references:]
    assert len(submissions) == 7
    seeds = [s["arguments"]["seed"] for s in submissions]
    seed = min(seeds)
    assert sorted(seeds) == [seed] * 6 + [seed + 1]
    [redraw] = [s for s in submissions if s["arguments"]["seed"] == seed + 1]
    [first] = [s for s in submissions[:6] if s["arguments"]["prompt"] == redraw["arguments"]["prompt"]]
    assert first["submitted_at"] < redraw["submitted_at"]
    panels = real_client.get(f"{API}/comics/{job_id}/result").json()["panels"]
    assert sorted(p["seed"] for p in panels) == [seed] * 5 + [seed + 1]


def test_an_image_flagged_twice_fails_its_panel_and_keeps_the_others(
    make_real_settings: MakeSettings, fake_openai: FakeOpenAI, fake_fal: FakeFal
) -> None:
    from app.main import create_app

    settings = make_real_settings(
        image_concurrency=1,  # panel 1 is drawn (and flagged) first
    )
    with TestClient(create_app(settings)) as client:
        job_id = job_ready_to_generate(client)
        wait_for_references(client, ["girl_young", "parent_mom"])
        fake_fal.nsfw_results = 2
        client.post(f"{API}/comics/{job_id}/generate")
        status = wait_until_settled(client, job_id)
        assert status["status"] == "failed"
        assert status["error"].startswith("panel 1 failed: fal.ai's safety checker flagged the image")
        assert "twice" in status["error"]
        assert status["panels_done"] == 5
        assert len(fake_fal.submissions) == 2 + 7
