"""A comic generated the way a parent does it once the cast is known: only the drawing is left.

The cast's reference pictures are already drawn (an earlier comic with the same cast and style drew
them), the parent casts the comic and takes `think` seconds before pressing generate, and in that
time the service writes the image prompts in the background. What is measured is generate to the
job's `completed_at`, over one image latency: the drawing itself, one wave of six panels.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import httpx

from bench.harness import BenchError
from bench.latency import API, CAST, SETTLED, TOPIC, Timing, completed_at

_STYLE = "storybook"  # the style the references were drawn in by the end-to-end comics


@dataclass(frozen=True)
class Prepared:
    """Generate-to-completed times of comics cast `think` seconds before generate."""

    seconds: list[float]
    image_latency: float
    think: float

    @property
    def ratio(self) -> float:
        """Median generate-to-completed time over one image latency."""
        return statistics.median(self.seconds) / self.image_latency


def _status(http: httpx.Client, job_id: str) -> dict:
    response = http.get(f"{API}/comics/{job_id}/status")
    response.raise_for_status()
    return response.json()


def _wait_for(http: httpx.Client, job_id: str, wanted: set[str], timeout: float) -> dict:
    """Poll until the job waits at one of the `wanted` steps or ends; raises on anything else."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = _status(http, job_id)
        if status["status"] in SETTLED:
            if status["step"] in wanted:
                return status
            raise BenchError(f"job {job_id} stopped at {status['status']}/{status['step']}: {status['error']}")
        time.sleep(0.02)
    raise BenchError(f"job {job_id} did not reach {sorted(wanted)} within {timeout} s")


def _post(http: httpx.Client, path: str, body: object) -> None:
    response = http.post(f"{API}{path}", json=body)
    if response.status_code not in (200, 202):
        raise BenchError(f"POST {path} answered {response.status_code}: {response.text}")


def _one(http: httpx.Client, timing: Timing, think: float) -> float:
    body = {"topic": TOPIC, "age_group": "5-8", "panel_count": 6}  # no cast yet: the parent picks it later
    response = http.post(f"{API}/comics/scenes/generate", json=body)
    if response.status_code != 202:
        raise BenchError(f"scenes/generate answered {response.status_code}: {response.text}")
    job_id = response.json()["job_id"]
    _wait_for(http, job_id, {"scene_review"}, timeout=60)
    _post(http, f"/comics/{job_id}/scenes/refine", {"feedback_list": []})
    _wait_for(http, job_id, {"character_selection"}, timeout=60)
    _post(http, f"/comics/{job_id}/characters/select", {"characters": CAST})
    time.sleep(think)  # the parent looks at the cast before pressing generate
    started = time.time()
    _post(http, f"/comics/{job_id}/generate", {"style": _STYLE})
    status = _wait_for(http, job_id, {"completed"}, timeout=60 + 10 * timing.critical_path(6))
    return completed_at(status) - started


def prepared_generate(http: httpx.Client, timing: Timing, repeats: int, think: float = 3.0) -> Prepared:
    """`repeats` six-panel comics, one at a time, each generated `think` s after it was cast."""
    return Prepared([_one(http, timing, think) for _ in range(repeats)], timing.image, think)
