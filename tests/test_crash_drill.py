"""kill -9 while comics are drawn: every comic completes after retry, and no picture is paid for twice."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

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


def _start_drawing(env: dict[str, str], log: Path) -> tuple[ServerProcess, str]:
    """A server with a new comic whose scenes are accepted and whose panels are being drawn."""
    server = start_server(env, log)
    with server.client() as http:
        body = {"topic": "teach my kid to share toys with friends", "characters": CAST}
        job_id = http.post(f"{API}/comics/scenes/generate", json=body).json()["job_id"]
        wait_until_settled(http, job_id)
        http.post(f"{API}/comics/{job_id}/scenes/refine", json={"feedback_list": []})
        http.post(f"{API}/comics/{job_id}/generate")
    return server, job_id


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
    assert len(fal.submissions) == 6  # the resumed job polled the same six requests
    assert fal.listings == 0  # every id was known: nothing to look up


def test_a_job_killed_before_it_learned_its_request_ids_finds_the_requests(tmp_path: Path) -> None:
    ca, pem = make_ca_bundle(tmp_path)
    with FakeOpenAI() as llm, FakeFal(ca) as fal:
        fal.latency = 1.0
        fal.submit_reply_delay = 60  # fal takes each request, but its answer (the id) never arrives
        env, log = service_env(tmp_path / "data", **real_provider_env(llm.base_url, fal, pem)), tmp_path / "server.log"
        server, job_id = _start_drawing(env, log)
        document = tmp_path / "data" / "jobs" / f"{job_id}.json"
        job = _kill_when(server, document, lambda _: len(fal.submissions) == 6, "fal never got the six requests")
        assert job["image_requests"] == {}
        assert len(job["image_intents"]) == 6  # what the resumed job goes by
        fal.submit_reply_delay = 0
        _resume(env, log, job_id)
    assert len(fal.submissions) == 6  # found in fal's request listing, not submitted again
    assert fal.listings >= 6


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
        job = _kill_when(server, document, lambda _: len(fal.submissions) == 7, "fal never got the redraw")
        assert list(job["image_intents"]) == ["2"]
        fal.submit_reply_delay = 0
        _resume(env, log, job_id)
        server = start_server(env, log)
        try:
            with server.client() as http:
                panel = http.get(f"{API}/comics/{job_id}/result").json()["panels"][1]
        finally:
            stop_server(server)
    assert len(fal.submissions) == 7  # six panels and one redraw: found after the restart, not asked for again
    assert panel["version"] == 2
    assert panel["seed"] == fal.submissions[-1]["arguments"]["seed"]
