"""kill -9 while comics are drawn: every comic completes after retry, and no picture is paid for twice."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scripts.crash_drill import CAST, run_drill
from tests.fakes.fal_server import FakeFal, make_ca_bundle
from tests.fakes.openai_server import FakeOpenAI
from tests.utils.server import (
    ServerProcess,
    real_provider_env,
    service_env,
    start_server,
    stop_server,
    wait_until_settled,
)

API = "/api/v1"


def test_comics_survive_random_kills(tmp_path: Path) -> None:
    report = run_drill(comics=3, kills=4, workdir=tmp_path, image_latency=0.6)
    assert report.kills == 4
    assert report.unreadable_json == []
    assert report.completed == 3, (tmp_path / "server.log").read_text()[-3000:]
    assert report.panels_requested_twice == {}


def _start_drawing(
    env: dict[str, str], log: Path, before_generate: Callable[[], None] | None = None
) -> tuple[ServerProcess, str]:
    """A server with a new comic whose scenes are accepted and whose panels are being drawn.

    With `before_generate`, the cast's references are drawn first and it is called just before generate.
    """
    server = start_server(env, log)
    with server.client() as http:
        body = {"topic": "teach my kid to share toys with friends", "characters": CAST}
        job_id = http.post(f"{API}/comics/scenes/generate", json=body).json()["job_id"]
        wait_until_settled(http, job_id)
        http.post(f"{API}/comics/{job_id}/scenes/refine", json={"feedback_list": []})
        if before_generate is not None:
            _wait_for_references(http)
            before_generate()
        http.post(f"{API}/comics/{job_id}/generate")
    return server, job_id


def _wait_for_references(http: Any) -> None:
    deadline = time.monotonic() + 20
    wanted = {choice["character_type"] for choice in CAST}
    while True:
        characters = http.get(f"{API}/comics/characters").json()["characters"]
        if wanted <= {c["id"] for c in characters if "storybook" in c["references"]}:
            return
        assert time.monotonic() < deadline, "the cast's references were never drawn"
        time.sleep(0.05)


def _kill_when(server: ServerProcess, document: Path, ready: Callable[[dict], bool], what: str) -> dict:
    """SIGKILL the server as soon as its job document satisfies `ready`; returns that document."""
    deadline = time.monotonic() + 20
    while not ready(job := json.loads(document.read_bytes())):
        assert time.monotonic() < deadline, what
        time.sleep(0.05)
    server.process.kill()
    server.process.wait()
    return job


def _resume(env: dict[str, str], log: Path, job_id: str) -> None:
    """Restart the server, retry the interrupted job and wait until it is completed."""
    server = start_server(env, log)
    try:
        with server.client() as http:
            assert http.get(f"{API}/comics/{job_id}/status").json()["status"] == "interrupted"
            assert http.post(f"{API}/comics/{job_id}/retry").status_code == 202
            assert wait_until_settled(http, job_id, timeout=30)["status"] == "completed", log.read_text()[-3000:]
    finally:
        stop_server(server)


def test_a_killed_job_collects_the_images_it_already_asked_for(tmp_path: Path) -> None:
    ca, pem = make_ca_bundle(tmp_path)
    with FakeOpenAI() as llm, FakeFal(ca) as fal:
        fal.latency = 3.0
        env, log = service_env(tmp_path / "data", **real_provider_env(llm.base_url, fal, pem)), tmp_path / "server.log"
        server, job_id = _start_drawing(env, log)
        document = tmp_path / "data" / "jobs" / f"{job_id}.json"
        # Killed while all six pictures are being drawn, their ids on disk.
        _kill_when(server, document, lambda job: len(job["image_requests"]) == 6, "the six ids were never recorded")
        _resume(env, log, job_id)
    assert len(fal.submissions) == len(CAST) + 6  # the references, and the same six requests polled again
    assert fal.listings == 0  # every id was known: nothing to look up


def test_a_job_killed_before_it_learned_its_request_ids_finds_the_requests(tmp_path: Path) -> None:
    ca, pem = make_ca_bundle(tmp_path)
    with FakeOpenAI() as llm, FakeFal(ca) as fal:
        fal.latency = 1.0

        def hold_replies() -> None:
            fal.submit_reply_delay = 60  # fal takes each request, but its answer (the id) never arrives

        env, log = service_env(tmp_path / "data", **real_provider_env(llm.base_url, fal, pem)), tmp_path / "server.log"
        server, job_id = _start_drawing(env, log, hold_replies)
        document = tmp_path / "data" / "jobs" / f"{job_id}.json"
        job = _kill_when(server, document, lambda _: len(fal.submissions) == 2 + 6, "fal never got the six requests")
        assert job["image_requests"] == {}
        assert len(job["image_intents"]) == 6  # what the resumed job goes by
        fal.submit_reply_delay = 0
        _resume(env, log, job_id)
    assert len(fal.submissions) == 2 + 6  # found in fal's request listing, not submitted again
    assert fal.listings >= 6


def test_references_killed_before_they_learned_their_request_ids_are_found_not_paid_again(tmp_path: Path) -> None:
    ca, pem = make_ca_bundle(tmp_path)
    with FakeOpenAI() as llm, FakeFal(ca) as fal:
        fal.latency = 1.0
        fal.submit_reply_delay = 60  # the references are taken by fal, their ids never arrive
        env, log = service_env(tmp_path / "data", **real_provider_env(llm.base_url, fal, pem)), tmp_path / "server.log"
        server, job_id = _start_drawing(env, log)
        references = tmp_path / "data" / "references"
        _kill_when(
            server, tmp_path / "data" / "jobs" / f"{job_id}.json", lambda _: len(fal.submissions) == 2, "no refs"
        )
        intents = [json.loads(p.read_bytes())["styles"]["storybook"]["draw"] for p in sorted(references.glob("*.json"))]
        assert [(i["request_id"], i["seed"] > 0) for i in intents] == [(None, True), (None, True)]
        fal.submit_reply_delay = 0
        _resume(env, log, job_id)
    assert len(fal.submissions) == 2 + 6  # both references found in fal's listing, not drawn again
    assert fal.listings >= 2
    kept = [json.loads(p.read_bytes())["styles"]["storybook"] for p in sorted(references.glob("*.json"))]
    assert [(ref["current"], ref["draw"]) for ref in kept] == [(1, None), (1, None)]


def test_a_redraw_killed_before_it_learned_its_request_id_finds_the_request(tmp_path: Path) -> None:
    ca, pem = make_ca_bundle(tmp_path)
    with FakeOpenAI() as llm, FakeFal(ca) as fal:
        env, log = service_env(tmp_path / "data", **real_provider_env(llm.base_url, fal, pem)), tmp_path / "server.log"
        server, job_id = _start_drawing(env, log)
        with server.client() as http:
            assert wait_until_settled(http, job_id)["status"] == "completed"
            fal.latency, fal.submit_reply_delay = 1.0, 60
            assert http.post(f"{API}/comics/{job_id}/panels/2/regenerate").status_code == 202
        document = tmp_path / "data" / "jobs" / f"{job_id}.json"
        job = _kill_when(server, document, lambda _: len(fal.submissions) == 2 + 7, "fal never got the redraw")
        assert list(job["image_intents"]) == ["2"]
        fal.submit_reply_delay = 0
        _resume(env, log, job_id)
        server = start_server(env, log)
        try:
            with server.client() as http:
                panel = http.get(f"{API}/comics/{job_id}/result").json()["panels"][1]
        finally:
            stop_server(server)
    assert len(fal.submissions) == 2 + 7  # references, six panels, one redraw: found after the restart, not again
    assert panel["version"] == 2
    assert panel["seed"] == fal.submissions[-1]["arguments"]["seed"]
