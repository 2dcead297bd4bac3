"""Image prompts and compositions, written while the parent looks, through the real SDKs against the fakes."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.fakes.fal_server import FakeFal
from tests.fakes.openai_server import FakeOpenAI
from tests.utils.flow import API, job_at_review, job_ready_to_generate, wait_until_settled

STRANGER = 'Stranger: "Would you like some candy?"\nMia: "No, thank you!"'


def _status(client: TestClient, job_id: str) -> dict[str, Any]:
    return client.get(f"{API}/comics/{job_id}/status").json()


def _eventually(check: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.02)


def _prepared(client: TestClient, job_id: str, llm_calls: int) -> dict[str, Any]:
    """Wait until the job has paid for `llm_calls` calls (the preparation is billed when it is stored)."""
    _eventually(lambda: _status(client, job_id)["usage"]["llm_calls"] >= llm_calls, f"{llm_calls} LLM calls")
    return _status(client, job_id)


def _generate(client: TestClient, job_id: str, style: str | None = None) -> dict[str, Any]:
    response = client.post(f"{API}/comics/{job_id}/generate", json={"style": style} if style else None)
    assert response.status_code == 202, response.text
    return wait_until_settled(client, job_id)


def test_prompts_are_written_after_casting_and_generate_reuses_them(
    real_client: TestClient, fake_openai: FakeOpenAI
) -> None:
    job_id = job_ready_to_generate(real_client)
    status = _prepared(real_client, job_id, 2)  # the script, then every image prompt in one call
    assert len(fake_openai.requests_for("PanelPrompts")) == 1
    # Invisible preparation: the parent still sees the job waiting for generate.
    assert (status["status"], status["step"], status["actions"][-1]) == (
        "requires_action",
        "comic_generation",
        "generate",
    )

    done = _generate(real_client, job_id)
    assert done["status"] == "completed", done
    assert len(fake_openai.requests_for("PanelPrompts")) == 1  # generate made no prompt call
    assert done["usage"]["llm_calls"] == 2
    comic = real_client.get(f"{API}/comics/{job_id}/result").json()
    assert all({f["name"] for f in p["composition"]["figures"]} == {"Mia", "Mom"} for p in comic["panels"])


def test_a_scene_changed_after_preparation_costs_exactly_one_new_prompt_call(
    real_client: TestClient, fake_openai: FakeOpenAI, fake_fal: FakeFal
) -> None:
    job_id = job_ready_to_generate(real_client)
    _prepared(real_client, job_id, 2)
    edited = real_client.put(f"{API}/comics/{job_id}/scenes/2", json={"dialogue": STRANGER})
    assert edited.status_code == 200, edited.text

    assert _generate(real_client, job_id)["status"] == "completed"
    assert len(fake_openai.requests_for("PanelPrompts")) == 2
    assert _status(real_client, job_id)["usage"]["llm_calls"] == 3
    # The stranger who speaks is an extra: placed, described and asked for in panel 2's picture only.
    comic = real_client.get(f"{API}/comics/{job_id}/result").json()
    second = comic["panels"][1]["composition"]
    stranger = next(f for f in second["figures"] if f["name"] == "Stranger")
    assert stranger["character_type"] is None
    assert stranger["look"]
    assert second["speakers"] == ["Stranger", "Mia"]
    prompts = {s["arguments"]["prompt"] for s in fake_fal.submissions}
    with_stranger = [p for p in prompts if "Stranger stands" in p]
    assert len(with_stranger) == 1
    assert "long grey coat" in with_stranger[0]
    assert "calm, empty space" in with_stranger[0]
    assert "above Stranger and Mia" in with_stranger[0]


def test_generate_awaits_a_preparation_in_flight_instead_of_asking_twice(
    real_client: TestClient, fake_openai: FakeOpenAI
) -> None:
    fake_openai.latency = 0.5
    job_id = job_ready_to_generate(real_client)
    _eventually(lambda: len(fake_openai.requests_for("PanelPrompts")) == 1, "the preparation started")
    assert _generate(real_client, job_id)["status"] == "completed"
    assert len(fake_openai.requests_for("PanelPrompts")) == 1
    assert _status(real_client, job_id)["usage"]["llm_calls"] == 2


def test_another_style_at_generate_rewrites_the_prompts_once(real_client: TestClient, fake_openai: FakeOpenAI) -> None:
    job_id = job_ready_to_generate(real_client)
    _prepared(real_client, job_id, 2)
    assert _generate(real_client, job_id, "manga")["status"] == "completed"
    requests = fake_openai.requests_for("PanelPrompts")
    assert len(requests) == 2
    assert "manga" in requests[1]["messages"][1]["content"]


def test_a_reply_that_breaks_the_staging_rules_is_asked_again(real_client: TestClient, fake_openai: FakeOpenAI) -> None:
    job_id = job_at_review(real_client)
    real_client.put(f"{API}/comics/{job_id}/scenes/2", json={"dialogue": STRANGER})
    fake_openai.unstaged_replies = 1  # the first reply leaves the speaking stranger out of the picture
    assert real_client.post(f"{API}/comics/{job_id}/scenes/refine", json={"feedback_list": []}).status_code == 202
    cast = [{"character_type": "girl_young", "count": 1}]
    assert real_client.post(f"{API}/comics/{job_id}/characters/select", json={"characters": cast}).status_code == 200
    _prepared(real_client, job_id, 3)  # the script, the unstaged reply, the good one
    assert _generate(real_client, job_id)["status"] == "completed"
    assert len(fake_openai.requests_for("PanelPrompts")) == 2


def test_a_failed_preparation_leaves_the_job_alone_and_generate_writes_the_prompts(
    real_client: TestClient, fake_openai: FakeOpenAI
) -> None:
    job_id = job_at_review(real_client)
    real_client.put(f"{API}/comics/{job_id}/scenes/2", json={"dialogue": STRANGER})
    fake_openai.unstaged_replies = 2  # wrong twice: the preparation gives up
    real_client.post(f"{API}/comics/{job_id}/scenes/refine", json={"feedback_list": []})
    real_client.post(
        f"{API}/comics/{job_id}/characters/select", json={"characters": [{"character_type": "girl_young"}]}
    )
    status = _prepared(real_client, job_id, 3)
    assert (status["status"], status["step"], status["error"]) == ("requires_action", "comic_generation", None)
    assert _generate(real_client, job_id)["status"] == "completed"
    assert len(fake_openai.requests_for("PanelPrompts")) == 3
    assert _status(real_client, job_id)["usage"]["llm_calls"] == 4  # every call paid for is counted


def test_generate_fails_clearly_when_the_staging_stays_wrong(real_client: TestClient, fake_openai: FakeOpenAI) -> None:
    job_id = job_at_review(real_client)
    real_client.put(f"{API}/comics/{job_id}/scenes/2", json={"dialogue": STRANGER})
    fake_openai.unstaged_replies = 4  # the preparation's two replies and generate's two
    real_client.post(f"{API}/comics/{job_id}/scenes/refine", json={"feedback_list": []})
    real_client.post(
        f"{API}/comics/{job_id}/characters/select", json={"characters": [{"character_type": "girl_young"}]}
    )
    _prepared(real_client, job_id, 3)
    status = _generate(real_client, job_id)
    assert status["status"] == "failed"
    assert "PanelPrompts" in status["error"]
    assert "Stranger" in status["error"]
