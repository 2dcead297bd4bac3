"""Helpers that walk a job through the workflow over HTTP, as a client would."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient

API = "/api/v1"
TOPIC = "teach my kid not to accept candy from strangers"
WAITING = {"pending", "processing"}


def start_job(client: TestClient, topic: str = TOPIC, age_group: str = "5-8") -> str:
    """POST a topic; returns the new job's id."""
    response = client.post(f"{API}/comics/scenes/generate", json={"topic": topic, "age_group": age_group})
    assert response.status_code == 202, response.text
    return response.json()["job_id"]


def wait_until_settled(client: TestClient, job_id: str, timeout: float = 30.0) -> dict[str, Any]:
    """Poll the status until the job stops processing; returns the last status body."""
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(f"{API}/comics/{job_id}/status").json()
        if body["status"] not in WAITING:
            return body
        assert time.monotonic() < deadline, f"job still {body['status']}/{body['step']} after {timeout} s"
        time.sleep(0.02)


def job_at_review(client: TestClient, topic: str = TOPIC, age_group: str = "5-8") -> str:
    """A job whose scenes are written and waiting for review."""
    job_id = start_job(client, topic, age_group)
    status = wait_until_settled(client, job_id)
    assert status["step"] == "scene_review", status
    return job_id


def job_ready_to_generate(client: TestClient, characters: list[dict[str, Any]] | None = None) -> str:
    """A job with approved scenes and a cast, waiting for `generate`."""
    job_id = job_at_review(client)
    assert client.post(f"{API}/comics/{job_id}/scenes/refine", json={"feedback_list": []}).status_code == 202
    cast = characters or [{"character_type": "girl_young", "count": 1}, {"character_type": "parent_mom", "count": 1}]
    response = client.post(f"{API}/comics/{job_id}/characters/select", json={"characters": cast})
    assert response.status_code == 200, response.text
    return job_id


def completed_job(client: TestClient, style: str | None = None) -> str:
    """A job that went all the way to a finished comic, its page and PDFs included."""
    job_id = job_ready_to_generate(client)
    response = client.post(f"{API}/comics/{job_id}/generate", json={"style": style} if style else None)
    assert response.status_code == 202, response.text
    status = wait_until_settled(client, job_id)
    assert status["status"] == "completed", status
    wait_for_print_files(client, job_id)
    return job_id


def wait_for_print_files(client: TestClient, job_id: str) -> None:
    """Fetch the comic's page and PDFs, as a reader would: they are made just after `completed` (or when asked for)."""
    comic = client.get(f"{API}/comics/{job_id}/result").json()
    for url in (comic["page_url"], *comic["pdf_urls"].values()):
        response = client.get(url)
        assert response.status_code == 200, response.text
        assert response.content[:4] in (b"%PDF", b"\x89PNG"), url


def wait_for_references(
    client: TestClient, types: list[str], style: str = "storybook", timeout: float = 30.0
) -> dict[str, Any]:
    """Poll the character library until each of `types` has a reference in `style`; returns them by type."""
    deadline = time.monotonic() + timeout
    while True:
        characters = client.get(f"{API}/comics/characters").json()["characters"]
        found = {c["id"]: c["references"][style] for c in characters if style in c["references"]}
        if set(types) <= set(found):
            return found
        assert time.monotonic() < deadline, f"references of {types} in {style} not drawn after {timeout} s"
        time.sleep(0.02)
