"""The service as a new user meets it: `python main.py serve` in a subprocess, driven over real HTTP."""

from __future__ import annotations

import io
import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.fakes.fal_server import FakeFal
from tests.fakes.openai_server import FakeOpenAI, parse_blocks
from tests.utils.server import (
    API,
    ServerProcess,
    real_provider_env,
    service_env,
    start_server,
    stop_server,
    wait_until_settled,
)

TOPIC = "teach my kid not to accept candy from strangers"
CAST = [{"character_type": "girl_young", "count": 1}, {"character_type": "parent_mom", "count": 1}]
FEEDBACK = [{"scene_id": 4, "feedback": "Let the child ask a police officer for help."}]
Launch = Callable[[dict[str, str]], ServerProcess]


class _Launcher:
    """Starts servers and, however the test ends, stops them; a server that died by itself fails the test."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.servers: list[ServerProcess] = []

    def start(self, env: dict[str, str]) -> ServerProcess:
        server = start_server(env, self.log_dir / f"server-{len(self.servers)}.log")
        self.servers.append(server)
        return server

    def close(self) -> None:
        crashed = [s for s in self.servers if s.process.poll() is not None and not s.stopped]
        for server in self.servers:
            stop_server(server)
        if crashed:
            logs = "\n\n".join(f"exit {s.process.returncode}:\n{s.log()}" for s in crashed)
            pytest.fail(f"server died during the test:\n{logs}")


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Launch]:
    launcher = _Launcher(tmp_path)
    yield launcher.start
    launcher.close()


@pytest.fixture(scope="module")
def offline_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One offline server for the read-only checks and the walkthrough (starting one costs ~1 s)."""
    folder = tmp_path_factory.mktemp("offline-server")
    launcher = _Launcher(folder)
    yield launcher.start(service_env(folder / "data"))
    launcher.close()


def _start_job(http: httpx.Client) -> str:
    response = http.post(f"{API}/comics/scenes/generate", json={"topic": TOPIC, "age_group": "5-8"})
    assert response.status_code == 202, response.text
    return response.json()["job_id"]


def _at_review(http: httpx.Client) -> str:
    job_id = _start_job(http)
    status = wait_until_settled(http, job_id)
    assert (status["status"], status["step"]) == ("requires_action", "scene_review"), status
    return job_id


def _walk(http: httpx.Client) -> tuple[str, dict[str, Any]]:
    """The documented flow end to end; returns the job id and the finished comic."""
    job_id = _at_review(http)
    scenes = http.get(f"{API}/comics/{job_id}/scenes").json()["scenes"]
    assert [s["scene_id"] for s in scenes] == [1, 2, 3, 4, 5, 6]

    refined = http.post(f"{API}/comics/{job_id}/scenes/refine", json={"feedback_list": FEEDBACK})
    assert refined.status_code == 202, refined.text
    status = wait_until_settled(http, job_id)
    assert (status["status"], status["refine_rounds"]) == ("requires_action", 1), status
    after = http.get(f"{API}/comics/{job_id}/scenes").json()["scenes"]
    assert after[3] != scenes[3], "the scene named in the feedback was not rewritten"
    assert after[:3] + after[4:] == scenes[:3] + scenes[4:], "scenes nobody commented on changed"

    approved = http.post(f"{API}/comics/{job_id}/scenes/refine", json={"feedback_list": []})
    assert approved.status_code == 202, approved.text
    # As the README does: list the characters suiting the child's age; the parents must be offered too.
    library = http.get(f"{API}/comics/characters", params={"age_group": "5-8"}).json()["characters"]
    assert {"girl_young", "parent_mom"} <= {c["character_type"] for c in library}
    selected = http.post(f"{API}/comics/{job_id}/characters/select", json={"characters": CAST})
    assert selected.status_code == 200, selected.text

    generated = http.post(f"{API}/comics/{job_id}/generate", json={"style": "storybook"})
    assert generated.status_code == 202, generated.text
    status = wait_until_settled(http, job_id)
    assert status["status"] == "completed", status
    result = http.get(f"{API}/comics/{job_id}/result")
    assert result.status_code == 200, result.text
    comic = result.json()
    assert comic["style"] == "storybook"
    assert [c["character_type"] for c in comic["characters"]] == ["girl_young", "parent_mom"]
    assert len(comic["panels"]) == 6
    for panel in comic["panels"]:
        # image_url is relative to the service, as a browser client would resolve it.
        image = http.get(panel["image_url"])
        assert image.status_code == 200, panel["image_url"]
        with Image.open(io.BytesIO(image.content)) as picture:
            assert picture.size == (768, 512)
    for url in comic["pdf_urls"].values():  # made just after `completed`, or now if they are not there yet
        pdf = http.get(url)
        assert pdf.status_code == 200, url
        assert pdf.content.startswith(b"%PDF"), url
    return job_id, comic


def test_docs_and_openapi_are_served(offline_server: ServerProcess) -> None:
    with offline_server.client() as http:
        docs = http.get("/docs")
        assert docs.status_code == 200
        assert "text/html" in docs.headers["content-type"]
        paths = http.get("/openapi.json").json()["paths"]
    for path in (
        f"{API}/comics/scenes/generate",
        f"{API}/comics/{{job_id}}/status",
        f"{API}/comics/{{job_id}}/scenes/refine",
        f"{API}/comics/characters",
        f"{API}/comics/{{job_id}}/characters/select",
        f"{API}/comics/{{job_id}}/generate",
        f"{API}/comics/{{job_id}}/result",
        f"{API}/jobs",
        f"{API}/storage/stats",
    ):
        assert path in paths, f"{path} missing from the OpenAPI schema"


def test_offline_walkthrough_over_http(offline_server: ServerProcess) -> None:
    with offline_server.client() as http:
        assert http.get("/health").json()["providers"] == {"text": "offline", "image": "offline"}
        job_id, comic = _walk(http)
        stats = http.get(f"{API}/storage/stats").json()
        jobs = http.get(f"{API}/jobs").json()
    assert stats["json_storage"]["total_comics"] == 1
    assert stats["json_storage"]["total_jobs"] == 1
    # Panels, lettered panels, page, 2 PDFs, and the cast's two reference pictures.
    assert stats["image_storage"]["total_images"] == 6 + 6 + 1 + 2 + 2
    assert jobs["total"] == 1
    assert [(j["job_id"], j["status"]) for j in jobs["jobs"]] == [(job_id, "completed")]
    assert {p["provider"] for p in comic["panels"]} == {"offline"}


def test_real_providers_in_the_subprocess(
    launch: Launch, tmp_path: Path, fake_openai: FakeOpenAI, fake_fal: FakeFal
) -> None:
    # The fakes run in this pytest process; the server reaches them over 127.0.0.1 like real endpoints.
    # conftest points SSL_CERT_FILE at the throwaway CA that the fake fal.ai certificate chains to.
    env = service_env(
        tmp_path / "data", **real_provider_env(fake_openai.base_url, fake_fal, os.environ["SSL_CERT_FILE"])
    )
    server = launch(env)
    with server.client() as http:
        assert http.get("/health").json()["providers"] == {"text": "openai", "image": "fal"}
        _, comic = _walk(http)

    [script] = fake_openai.requests_for("ComicScript")
    user = next(m["content"] for m in script["messages"] if m["role"] == "user")
    assert parse_blocks(user)["Brief"]["topic"] == TOPIC
    assert len(fake_openai.requests_for("SceneRewrites")) == 1
    assert len(fake_openai.requests_for("PanelPrompts")) == 1

    assert len(fake_fal.submissions) == 2 + 6  # the cast's references, then the panels drawn from them
    panels = [s for s in fake_fal.submissions if s["application"] == "fal-ai/flux-pro/kontext/multi"]
    assert len(panels) == 6
    for submission in panels:
        assert submission["authorization"] == "Key fal-test-local"
        assert len(submission["images"]) == 2
        prompt = submission["arguments"]["prompt"]
        assert "two black pigtails" in prompt  # girl_young "Mia"
        assert "teal cardigan" in prompt  # parent_mom
    assert fake_fal.downloads == 2 + 6
    assert {p["provider"] for p in comic["panels"]} == {"fal"}


def test_jobs_survive_a_restart(launch: Launch, tmp_path: Path) -> None:
    env = service_env(tmp_path / "data")
    first = launch(env)
    with first.client() as http:
        job_id = _at_review(http)
        before = http.get(f"{API}/comics/{job_id}/scenes").json()["scenes"]
    # SIGTERM is what a process manager sends; uvicorn shuts down cleanly, then re-raises the signal.
    assert stop_server(first) in (0, -signal.SIGTERM), first.log()
    assert "Application shutdown complete" in first.log()

    second = launch(env)
    with second.client() as http:
        status = http.get(f"{API}/comics/{job_id}/status").json()
        assert (status["status"], status["step"]) == ("requires_action", "scene_review"), status
        assert http.get(f"{API}/comics/{job_id}/scenes").json()["scenes"] == before
        # The restored job is not just readable: the workflow carries on from where it stopped.
        assert http.post(f"{API}/comics/{job_id}/scenes/refine", json={"feedback_list": []}).status_code == 202
        assert http.post(f"{API}/comics/{job_id}/characters/select", json={"characters": CAST}).status_code == 200
        assert http.post(f"{API}/comics/{job_id}/generate").status_code == 202
        assert wait_until_settled(http, job_id)["status"] == "completed"
