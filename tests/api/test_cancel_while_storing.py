"""Cancel over HTTP while a panel is being written: the panel is kept, the job stays cancelled, retry finishes it."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.models.records import Job
from tests.utils.flow import API, job_ready_to_generate, wait_until_settled
from tests.utils.gates import Gate


def test_cancel_while_a_panel_is_stored_keeps_the_panel_and_the_cancel(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = job_ready_to_generate(client)
    services = client.app.state.services  # type: ignore[attr-defined]

    def first_panel(key: str, doc: Any) -> bool:
        return isinstance(doc, Job) and str(doc.id) == job_id and len(doc.panels) == 1

    gate = Gate(monkeypatch, services.data.jobs, "_write", first_panel)
    assert client.post(f"{API}/comics/{job_id}/generate").status_code == 202
    gate.wait_reached()  # the first panel is being written; the others wait for the job's lock

    with ThreadPoolExecutor(1) as pool:
        cancelling = pool.submit(client.post, f"{API}/comics/{job_id}/cancel")
        time.sleep(0.3)
        assert not cancelling.done()  # the cancel waits for the write in progress
        assert client.get(f"{API}/comics/{job_id}/status").json()["status"] == "processing"
        gate.open()
        cancelled = cancelling.result(timeout=10)

    assert cancelled.status_code == 200, cancelled.text
    body = cancelled.json()
    assert (body["status"], body["step"], body["panels_done"]) == ("cancelled", "generating_images", 1)
    time.sleep(0.3)  # a late write of the cancelled step, if there were one, would land by now
    status = client.get(f"{API}/comics/{job_id}/status").json()
    assert (status["status"], status["panels_done"]) == ("cancelled", 1)
    assert status["history"][-1]["status"] == "cancelled"
    assert services.data.jobs.locked() == 0

    assert client.post(f"{API}/comics/{job_id}/retry").status_code == 202
    done = wait_until_settled(client, job_id)
    assert (done["status"], done["panels_done"], done["attempts"]) == ("completed", 6, 1)
