"""Redrawing one panel of a finished comic, listing its versions and selecting an earlier one back."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from app.models.records import Job, PanelChange
from app.models.states import JobStatus, JobStep
from app.providers.offline_images import OfflineImageModel
from external_services import DrawnImage, ImageRequest, ProviderError
from tests.utils.flow import API, completed_job, job_at_review, wait_until_settled


def _result(client: TestClient, job_id: str) -> dict[str, Any]:
    response = client.get(f"{API}/comics/{job_id}/result")
    assert response.status_code == 200, response.text
    return response.json()


def _files(client: TestClient, comic: dict[str, Any]) -> dict[str, bytes]:
    """Every finished file of a comic by a stable name, so two snapshots can be compared."""
    files = {"page": client.get(comic["page_url"]).content}
    files |= {f"pdf-{paper}": client.get(url).content for paper, url in comic["pdf_urls"].items()}
    for panel in comic["panels"]:
        files[f"panel-{panel['panel_id']}"] = client.get(panel["image_url"]).content
        files[f"lettered-{panel['panel_id']}"] = client.get(panel["lettered_url"]).content
    return files


def _redraw(client: TestClient, job_id: str, panel_id: int, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = client.post(f"{API}/comics/{job_id}/panels/{panel_id}/regenerate", json=body)
    assert response.status_code == 202, response.text
    status = wait_until_settled(client, job_id)
    assert status["status"] == "completed", status
    return status


def test_redraw_changes_only_that_panel_and_the_page(client: TestClient) -> None:
    job_id = completed_job(client)
    before_comic = _result(client, job_id)
    before = _files(client, before_comic)

    response = client.post(f"{API}/comics/{job_id}/panels/2/regenerate", json={"seed": 12345})
    assert response.status_code == 202
    assert (response.json()["status"], response.json()["step"]) == ("processing", "redrawing_panel")
    assert wait_until_settled(client, job_id)["status"] == "completed"

    after_comic = _result(client, job_id)
    after = _files(client, after_comic)
    changed = sorted(name for name in before if before[name] != after[name])
    assert changed == ["lettered-2", "page", "panel-2", "pdf-a4", "pdf-letter"]
    panel = after_comic["panels"][1]
    assert panel["version"] == 2
    assert panel["seed"] == 12345
    assert panel["image_url"].endswith("/panel-2.v2.png")
    assert client.get(before_comic["panels"][1]["image_url"]).content == before["panel-2"]  # the old one is kept
    assert [p["image_url"] for i, p in enumerate(after_comic["panels"]) if i != 1] == [
        p["image_url"] for i, p in enumerate(before_comic["panels"]) if i != 1
    ]


def test_the_old_version_can_be_selected_back(client: TestClient) -> None:
    job_id = completed_job(client)
    original = _files(client, _result(client, job_id))
    _redraw(client, job_id, 2, {"seed": 777})

    versions = client.get(f"{API}/comics/{job_id}/panels/2/versions").json()
    assert versions["current"] == 2
    assert [(v["version"], v["current"], v["seed"]) for v in versions["versions"]][1] == (2, True, 777)
    assert versions["versions"][0]["image_url"].endswith("/panel-2.png")

    response = client.post(f"{API}/comics/{job_id}/panels/2/versions/1/select")
    assert response.status_code == 202
    assert response.json()["step"] == "restoring_panel"
    assert wait_until_settled(client, job_id)["status"] == "completed"

    comic = _result(client, job_id)
    assert comic["panels"][1]["version"] == 1
    assert comic["panels"][1]["image_url"].endswith("/panel-2.png")
    # Rendering is deterministic, so every file is exactly as it was before the redraw.
    assert _files(client, comic) == original
    assert client.get(f"{API}/comics/{job_id}/panels/2/versions").json()["current"] == 1


def test_versions_keep_counting_after_a_restore(client: TestClient) -> None:
    job_id = completed_job(client)
    _redraw(client, job_id, 3)
    client.post(f"{API}/comics/{job_id}/panels/3/versions/1/select")
    wait_until_settled(client, job_id)
    _redraw(client, job_id, 3)
    versions = client.get(f"{API}/comics/{job_id}/panels/3/versions").json()
    assert [v["version"] for v in versions["versions"]] == [1, 2, 3]
    assert versions["current"] == 3
    assert _result(client, job_id)["panels"][2]["image_url"].endswith("/panel-3.v3.png")


def test_a_prompt_override_replaces_the_scene_prompt_and_keeps_cast_and_style(client: TestClient) -> None:
    job_id = completed_job(client, style="manga")
    _redraw(client, job_id, 1, {"prompt": "Mia waves goodbye from the school bus window"})
    prompt = client.get(f"{API}/comics/{job_id}/panels/1/versions").json()["versions"][1]["prompt"]
    assert "Mia waves goodbye from the school bus window" in prompt
    assert "manga" in prompt.lower()
    assert "yellow dress" in prompt  # Mia's fixed description


def test_a_panel_never_redrawn_has_one_version(client: TestClient) -> None:
    job_id = completed_job(client)
    versions = client.get(f"{API}/comics/{job_id}/panels/4/versions").json()
    assert versions["current"] == 1
    assert [(v["version"], v["current"]) for v in versions["versions"]] == [(1, True)]


@pytest.fixture
def gated_illustrator(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Make the offline illustrator wait until the test opens the gate (it starts closed)."""
    gate = threading.Event()
    draw = OfflineImageModel.draw

    async def waiting(self: OfflineImageModel, request: ImageRequest) -> DrawnImage:
        await asyncio.to_thread(gate.wait, 10)
        return await draw(self, request)

    monkeypatch.setattr(OfflineImageModel, "draw", waiting)
    yield gate
    gate.set()


def test_a_second_change_while_one_runs_is_409_and_the_comic_stays_readable(
    client: TestClient, request: pytest.FixtureRequest
) -> None:
    job_id = completed_job(client)
    gate = request.getfixturevalue("gated_illustrator")  # only now: the comic itself is drawn ungated
    assert client.post(f"{API}/comics/{job_id}/panels/1/regenerate").status_code == 202

    busy = client.post(f"{API}/comics/{job_id}/panels/2/regenerate")
    assert busy.status_code == 409
    assert "redrawing_panel" in busy.json()["detail"]
    assert client.post(f"{API}/comics/{job_id}/panels/1/versions/1/select").status_code == 409
    status = client.get(f"{API}/comics/{job_id}/status").json()
    assert status["actions"] == ["view_result", "cancel"]
    comic = _result(client, job_id)  # the finished comic stays readable meanwhile
    assert client.get(comic["reader_url"]).status_code == 200

    gate.set()
    assert wait_until_settled(client, job_id)["status"] == "completed"
    assert _result(client, job_id)["panels"][0]["version"] == 2


def test_deleting_a_comic_mid_redraw_stops_the_redraw(
    client: TestClient, request: pytest.FixtureRequest, data_dir: Path
) -> None:
    job_id = completed_job(client)
    comic_id = _result(client, job_id)["comic_id"]
    gate = request.getfixturevalue("gated_illustrator")
    assert client.post(f"{API}/comics/{job_id}/panels/1/regenerate").status_code == 202
    assert client.delete(f"{API}/comics/{comic_id}").status_code == 204
    gate.set()  # a redraw still running would now store its picture and write the comic back
    time.sleep(0.5)
    assert client.get(f"{API}/comics/{job_id}/status").status_code == 404
    assert client.get(f"{API}/comics/{job_id}/result").status_code == 404
    assert not (data_dir / "comics" / f"{comic_id}.json").exists()
    assert not (data_dir / "images" / "comics" / comic_id).exists()


def test_a_failed_redraw_keeps_the_comic_and_can_be_retried(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = completed_job(client)
    before = _files(client, _result(client, job_id))

    async def broken(self: OfflineImageModel, request: ImageRequest) -> DrawnImage:
        raise ProviderError("the illustrator is out of ink")

    with monkeypatch.context() as patch:
        patch.setattr(OfflineImageModel, "draw", broken)
        client.post(f"{API}/comics/{job_id}/panels/5/regenerate")
        status = wait_until_settled(client, job_id)
    assert (status["status"], status["step"]) == ("failed", "redrawing_panel")
    assert "out of ink" in status["error"]
    assert status["actions"] == ["view_result", "retry", "redraw_panel", "select_version"]
    assert _files(client, _result(client, job_id)) == before  # nothing half-done

    assert client.post(f"{API}/comics/{job_id}/retry").status_code == 202
    assert wait_until_settled(client, job_id)["status"] == "completed"
    assert _result(client, job_id)["panels"][4]["version"] == 2


BAD_REQUESTS = [
    ("panels/9/regenerate", None, 404),
    ("panels/0/regenerate", None, 422),
    ("panels/x/regenerate", None, 422),
    ("panels/1/regenerate", {"seed": -1}, 422),
    ("panels/1/regenerate", {"seed": 2**31}, 422),
    ("panels/1/regenerate", {"prompt": "   "}, 422),
    ("panels/1/regenerate", {"colour": "red"}, 422),
    ("panels/1/versions/2/select", None, 404),
    ("panels/1/versions/0/select", None, 422),
    ("panels/9/versions", None, 404),
]


def test_bad_redraw_requests_are_refused_and_change_nothing(client: TestClient) -> None:
    job_id = completed_job(client)
    before = _files(client, _result(client, job_id))
    for path, body, status in BAD_REQUESTS:
        method = client.get if path.endswith("versions") else client.post
        response = method(f"{API}/comics/{job_id}/{path}", **({"json": body} if body is not None else {}))
        assert response.status_code == status, (path, body, response.text)
        assert client.get(f"{API}/comics/{job_id}/status").json()["status"] == "completed"
    assert _files(client, _result(client, job_id)) == before


def test_redraw_before_the_comic_is_finished_is_409(client: TestClient) -> None:
    job_id = job_at_review(client)
    response = client.post(f"{API}/comics/{job_id}/panels/1/regenerate")
    assert response.status_code == 409
    assert "scene_review" in response.json()["detail"]
    assert client.get(f"{API}/comics/{job_id}/panels/1/versions").status_code == 409


@pytest.mark.parametrize("job_id", ["7b0f7c1e-0000-4000-8000-000000000000", "nope"])
def test_redraw_of_an_unknown_job(client: TestClient, job_id: str) -> None:
    expected = 422 if job_id == "nope" else 404
    assert client.post(f"{API}/comics/{job_id}/panels/1/regenerate").status_code == expected


def test_a_redraw_interrupted_by_a_restart_resumes_on_retry(client: TestClient) -> None:
    job_id = completed_job(client)
    services = client.app.state.services  # type: ignore[attr-defined]

    def stopped_mid_redraw(job: Job) -> None:
        # What start-up recovery leaves when the process died during the redraw step.
        job.pending_panel = PanelChange(panel_id=6, seed=99)
        job.status = JobStatus.INTERRUPTED
        job.step = JobStep.REDRAWING_PANEL

    assert client.portal is not None
    client.portal.call(services.data.update_job, UUID(job_id), stopped_mid_redraw)
    status = client.get(f"{API}/comics/{job_id}/status").json()
    assert status["actions"] == ["view_result", "retry", "redraw_panel", "select_version"]

    assert client.post(f"{API}/comics/{job_id}/retry").status_code == 202
    assert wait_until_settled(client, job_id)["status"] == "completed"
    panel = _result(client, job_id)["panels"][5]
    assert (panel["version"], panel["seed"]) == (2, 99)
