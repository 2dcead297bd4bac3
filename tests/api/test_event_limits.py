"""Live-event streams are capped per job and in all: one more answers 429, and a closed stream frees its place."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import httpx
import pytest
from starlette.requests import ClientDisconnect

from app.api.routes.events import _EventStream
from tests.fakes.fal_server import FakeFal
from tests.fakes.openai_server import FakeOpenAI
from tests.utils.flow import job_at_review, job_ready_to_generate
from tests.utils.server import API, real_provider_env, service_env, start_server, stop_server


def _open(client: httpx.Client, job_id: str) -> httpx.Response:
    return client.send(client.build_request("GET", f"{API}/comics/{job_id}/events"), stream=True)


def test_streams_beyond_the_caps_are_429_until_one_closes(
    tmp_path: Path, fake_openai: FakeOpenAI, fake_fal: FakeFal
) -> None:
    providers = real_provider_env(fake_openai.base_url, fake_fal, os.environ["SSL_CERT_FILE"])
    env = service_env(tmp_path / "data", **providers, MAX_EVENT_STREAMS_PER_JOB="2", MAX_EVENT_STREAMS="2")
    server = start_server(env, tmp_path / "server.log")
    try:
        with server.client() as client:
            drawing, waiting = job_ready_to_generate(client), job_at_review(client)  # type: ignore[arg-type]
            fake_fal.latency = 30.0  # the drawing job stays `processing` while the test runs
            assert client.post(f"{API}/comics/{drawing}/generate").status_code == 202
            first, second = _open(client, drawing), _open(client, drawing)
            assert (first.status_code, second.status_code) == (200, 200)

            per_job = client.get(f"{API}/comics/{drawing}/events")
            assert per_job.status_code == 429
            assert "this job already has 2 live-event streams open" in per_job.json()["detail"]
            in_all = client.get(f"{API}/comics/{waiting}/events")
            assert in_all.status_code == 429
            assert "the service already has 2 live-event streams open" in in_all.json()["detail"]

            first.close()  # the server sees the client go and gives the place back
            deadline = time.monotonic() + 10
            while (again := client.get(f"{API}/comics/{waiting}/events")).status_code == 429:
                assert time.monotonic() < deadline, "the closed stream's place was never given back"
                time.sleep(0.05)
            assert again.status_code == 200
            assert again.text.count("event: status") == 1  # a job waiting for review: one event, then the end

            assert client.post(f"{API}/comics/{drawing}/cancel").status_code == 200
            lines = [line for line in second.iter_lines() if line.startswith("data: ")]
            assert '"status":"cancelled"' in lines[-1]  # the open stream saw the cancel and ended
            second.close()
            assert client.get(f"{API}/comics/{drawing}/events").status_code == 200
    finally:
        fake_fal.latency = 0.0
        stop_server(server)


def test_a_stream_that_never_starts_still_gives_its_place_back() -> None:
    released: list[bool] = []

    async def body():  # never iterated: the client is gone before the first byte
        yield "data: {}\n\n"

    async def gone(message: dict) -> None:
        raise OSError("the client went away")

    async def nothing() -> dict:
        return {"type": "http.disconnect"}

    response = _EventStream(body(), lambda: released.append(True))
    scope = {"type": "http", "asgi": {"spec_version": "2.4"}}
    with pytest.raises(ClientDisconnect):
        asyncio.run(response(scope, nothing, gone))
    assert released == [True]
