"""Comics through the whole service while fal.ai fails: failed runs drawn again, lost answers never paid twice.

The real `openai` and `fal_client` SDKs against the protocol fakes on 127.0.0.1, as in
test_workflow_real_providers.py.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import MakeSettings
from tests.fakes.fal_server import FakeFal
from tests.fakes.openai_server import FakeOpenAI
from tests.utils.flow import API, job_ready_to_generate, wait_for_references, wait_until_settled


def _generate(client: TestClient, job_id: str) -> dict[str, Any]:
    assert client.post(f"{API}/comics/{job_id}/generate").status_code == 202
    return wait_until_settled(client, job_id)


def _panel(submission: dict[str, Any]) -> tuple[str, int]:
    return submission["arguments"]["prompt"], submission["arguments"]["seed"]


def test_three_comics_in_a_row_complete_with_one_generation_in_five_failing(
    make_real_settings: MakeSettings, fake_openai: FakeOpenAI, fake_fal: FakeFal
) -> None:
    from app.main import create_app

    fake_fal.fail_every = 5
    with TestClient(create_app(make_real_settings(retry_base_delay_seconds=0.01))) as client:
        for _ in range(3):
            before = len(fake_fal.submissions)
            status = _generate(client, job_ready_to_generate(client))
            assert status["status"] == "completed", status
            comic = fake_fal.submissions[before:]  # the cast's reference pictures, in the first comic, too
            requests = Counter(_panel(s) for s in comic)
            failures = Counter(_panel(s) for s in comic if s["request_id"] in fake_fal.failed)
            assert sum(1 for prompt, _ in requests if "reference sheet" not in prompt) == 6
            # No panel's request is repeated, except after a request of it that fal finished with an error.
            assert requests == Counter({panel: 1 + failures[panel] for panel in requests})
    assert len(fake_fal.failed) >= 3  # 18 panels and their new requests: every fifth failed


def test_lost_submission_answers_are_looked_up_and_never_paid_twice(real_client: TestClient, fake_fal: FakeFal) -> None:
    job_id = job_ready_to_generate(real_client)
    wait_for_references(real_client, ["girl_young", "parent_mom"])  # drawn at casting, before the faults
    references = len(fake_fal.submissions)
    fake_fal.reply_faults = [502, "drop", 503]  # queued by fal, the answer lost on the way
    status = _generate(real_client, job_id)
    assert status["status"] == "completed", status
    assert len(fake_fal.lost_replies) == 3
    assert len(fake_fal.submissions) == references + 6  # each panel requested once
    assert fake_fal.listings >= 3


def test_a_result_off_fals_hosts_fails_the_panel_without_being_fetched(
    real_client: TestClient, fake_fal: FakeFal
) -> None:
    job_id = job_ready_to_generate(real_client)
    wait_for_references(real_client, ["girl_young", "parent_mom"])  # drawn at casting, from the right host
    downloads = fake_fal.downloads
    fake_fal.image_url = lambda url: url.replace("127.0.0.1", "localhost", 1)  # loopback, by another name
    status = _generate(real_client, job_id)
    assert status["status"] == "failed"
    assert "panel" in status["error"]
    assert "not one of fal.ai's media hosts" in status["error"]
    assert fake_fal.downloads == downloads
