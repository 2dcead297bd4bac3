"""End-to-end comic latency against the critical path, and many comics at once with a `/status` poller.

"Completed" is the job's `completed_at` stamp, taken by the service on the same machine's clock,
so how often the benchmark polls does not inflate the figure; "start" is the moment just before
the benchmark sends `POST .../generate`.
"""

from __future__ import annotations

import json
import math
import statistics
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx

from bench.harness import BenchError

API = "/api/v1"
TOPIC = "teach my kid not to accept candy from strangers"
CAST = [{"character_type": "girl_young", "count": 1}, {"character_type": "parent_mom", "count": 1}]
SETTLED = {"requires_action", "completed", "failed", "cancelled", "interrupted"}


@dataclass(frozen=True)
class Timing:
    """The provider latencies of a run and the service's per-comic image concurrency."""

    llm: float
    image: float
    concurrency: int

    def critical_path(self, panels: int) -> float:
        """One prompt call, then the panels in ceil(panels / concurrency) waves of one image latency each."""
        return self.llm + math.ceil(panels / self.concurrency) * self.image


@dataclass(frozen=True)
class EndToEnd:
    """Every measured time for comics of one panel count: to `completed`, and to the last panel stored."""

    panels: int
    seconds: list[float]
    drawn_seconds: list[float]
    critical_path: float

    @property
    def label(self) -> str:
        """The panel count in words, e.g. "6 panels"."""
        return f"{self.panels} panel{'' if self.panels == 1 else 's'}"

    @property
    def ratio(self) -> float:
        """Median measured time over the critical path."""
        return statistics.median(self.seconds) / self.critical_path

    @property
    def drawn_ratio(self) -> float:
        """Median time until the last panel was stored, over the critical path."""
        return statistics.median(self.drawn_seconds) / self.critical_path


@dataclass
class Crowd:
    """Many comics drawn at once, and the `GET /status` latencies sampled meanwhile."""

    comics: int
    panels: int
    batch_seconds: float
    ideal_seconds: float
    status_latencies: list[float] = field(default_factory=list)
    service_cpu_seconds: float = 0.0  # what the service process used meanwhile (scenes written for them too)

    @property
    def throughput_ratio(self) -> float:
        """Comics per second achieved over comics per second the concurrency limit allows."""
        return self.ideal_seconds / self.batch_seconds


def _wait_settled(http: httpx.Client, job_ids: list[str], timeout: float) -> dict[str, dict]:
    deadline = time.monotonic() + timeout
    pending, last = set(job_ids), {}
    while pending:
        for job_id in sorted(pending):
            body = http.get(f"{API}/comics/{job_id}/status").json()
            if body["status"] in SETTLED:
                last[job_id] = body
                pending.discard(job_id)
        if time.monotonic() > deadline:
            raise BenchError(f"{len(pending)} job(s) still processing after {timeout} s")
        time.sleep(0.02)
    return last


def ready_jobs(http: httpx.Client, panel_counts: list[int]) -> list[str]:
    """Jobs with their scenes written and approved, one per entry of `panel_counts`, made concurrently."""
    job_ids = []
    for count in panel_counts:
        body = {"topic": TOPIC, "age_group": "5-8", "characters": CAST, "panel_count": count}
        response = http.post(f"{API}/comics/scenes/generate", json=body)
        if response.status_code != 202:
            raise BenchError(f"scenes/generate answered {response.status_code}: {response.text}")
        job_ids.append(response.json()["job_id"])
    for job_id, status in _wait_settled(http, job_ids, timeout=120).items():
        if status["step"] != "scene_review":
            raise BenchError(f"job {job_id} did not reach scene review: {status}")
        approved = http.post(f"{API}/comics/{job_id}/scenes/refine", json={"feedback_list": []})
        if approved.status_code != 202:
            raise BenchError(f"approving scenes answered {approved.status_code}: {approved.text}")
    return job_ids


def _generate(http: httpx.Client, job_id: str) -> float:
    """POST generate; returns the wall-clock time just before it was sent."""
    started = time.time()
    response = http.post(f"{API}/comics/{job_id}/generate", json={"style": "storybook"})
    if response.status_code != 202:
        raise BenchError(f"generate answered {response.status_code}: {response.text}")
    return started


def completed_at(status: dict) -> float:
    """The `completed_at` stamp of a status answer as a Unix time; raises unless the job completed."""
    if status["status"] != "completed":
        raise BenchError(f"job {status['job_id']} ended {status['status']}: {status['error']}")
    return datetime.fromisoformat(status["completed_at"]).timestamp()


def _last_panel_at(jobs_dir: Path, job_id: str) -> float:
    # The stored job record has each panel's creation stamp; the HTTP answers do not carry it.
    job = json.loads((jobs_dir / f"{job_id}.json").read_text())
    return max(datetime.fromisoformat(panel["created_at"]).timestamp() for panel in job["panels"])


def end_to_end(
    http: httpx.Client, timing: Timing, panel_counts: list[int], repeats: int, jobs_dir: Path
) -> list[EndToEnd]:
    """Each panel count `repeats` times, one comic at a time; `jobs_dir` is the service's jobs folder."""
    plan = [count for count in panel_counts for _ in range(repeats)]
    done: dict[int, list[float]] = {count: [] for count in panel_counts}
    drawn: dict[int, list[float]] = {count: [] for count in panel_counts}
    for count, job_id in zip(plan, ready_jobs(http, plan), strict=True):
        started = _generate(http, job_id)
        status = _wait_settled(http, [job_id], timeout=60 + 10 * timing.critical_path(count))[job_id]
        done[count].append(completed_at(status) - started)
        drawn[count].append(_last_panel_at(jobs_dir, job_id) - started)
    return [EndToEnd(n, done[n], drawn[n], timing.critical_path(n)) for n in panel_counts]


class _StatusPoller(threading.Thread):
    """Polls `GET /status` of the given jobs in turn, recording each request's latency."""

    def __init__(self, base_url: str, job_ids: list[str], pause: float) -> None:
        super().__init__(name="status-poller", daemon=True)
        self._base_url, self._job_ids, self._pause = base_url, job_ids, pause
        self.latencies: list[float] = []
        self.settled: dict[str, dict] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=self._base_url, timeout=30.0) as http:
            turn = 0
            while not self.stop.is_set() and len(self.settled) < len(self._job_ids):
                job_id = self._job_ids[turn % len(self._job_ids)]
                turn += 1
                started = time.perf_counter()
                response = http.get(f"{API}/comics/{job_id}/status")
                self.latencies.append(time.perf_counter() - started)
                body = response.json()
                if body["status"] in SETTLED:
                    self.settled[job_id] = body
                time.sleep(self._pause)


def crowd(http: httpx.Client, base_url: str, timing: Timing, comics: int, panels: int, pause: float) -> Crowd:
    """`comics` comics of `panels` panels generated at once while a poller times `GET /status`."""
    job_ids = ready_jobs(http, [panels] * comics)
    # The per-comic limit is the only one: every comic can draw all its waves in parallel with the others.
    result = Crowd(comics, panels, 0.0, timing.critical_path(panels))
    poller = _StatusPoller(base_url, job_ids, pause)
    started = time.time()
    for job_id in job_ids:
        _generate(http, job_id)
    poller.start()
    poller.join(timeout=120 + 10 * timing.critical_path(panels))
    poller.stop.set()
    if len(poller.settled) < comics:
        raise BenchError(f"only {len(poller.settled)} of {comics} comics settled")
    result.batch_seconds = max(completed_at(status) for status in poller.settled.values()) - started
    result.status_latencies = poller.latencies
    return result
