"""Many comics through the whole workflow at once, with a `/status` poller timing every answer.

    .venv/bin/python -m bench.flow [--comics 10] [--runs 3]   # this section alone, several times

Each comic goes the way a parent takes it: scenes written, one round of feedback, approval,
casting, drawing. One driver thread moves every comic on as soon as its status allows, so the
comics overlap in every step (some are being written while others are drawn), which is the load
users saw stall `GET /status`. A second client polls the status of the comics in turn meanwhile.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.harness import BenchError, Fakes, service_env, start_service, stop_service
from bench.latency import API, CAST, TOPIC, Timing, completed_at
from bench.stalls import stall_summary

_FINAL = {"completed", "failed", "cancelled", "interrupted"}
_FEEDBACK = [{"scene_id": 2, "feedback": "Make the stranger offer a lollipop at the bus stop."}]


@dataclass
class Flow:
    """Comics driven through the whole workflow at once, and the `GET /status` latencies sampled meanwhile."""

    comics: int
    panels: int
    seconds: float = 0.0  # from the first POST scenes/generate to the last comic's `completed_at`
    status_latencies: list[float] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)  # what each timed answer said
    service_cpu_seconds: float = 0.0  # the server process and its render workers
    loop_cpu_seconds: float = 0.0  # the server's event-loop thread alone: what every request waits behind


def _post(http: httpx.Client, path: str, body: object) -> dict:
    response = http.post(f"{API}{path}", json=body)
    if response.status_code != 202 and not (path.endswith("/select") and response.status_code == 200):
        raise BenchError(f"POST {path} answered {response.status_code}: {response.text}")
    return response.json()


def _next_move(http: httpx.Client, job_id: str, status: dict) -> bool:
    """Take the parent's next action for a job that waits for one; returns True once the job is completed."""
    if status["status"] in _FINAL:
        completed_at(status)  # raises unless completed
        return True
    if status["status"] != "requires_action":
        return False
    step = status["step"]
    if step == "scene_review" and status["refine_rounds"] == 0:
        _post(http, f"/comics/{job_id}/scenes/refine", {"feedback_list": _FEEDBACK})
    elif step == "scene_review":
        _post(http, f"/comics/{job_id}/scenes/refine", {"feedback_list": []})
    elif step == "character_selection":
        _post(http, f"/comics/{job_id}/characters/select", {"characters": CAST})
    elif step == "comic_generation":
        _post(http, f"/comics/{job_id}/generate", {"style": "storybook"})
    else:
        raise BenchError(f"job {job_id} waits at an unexpected step: {status}")
    return False


class _Poller(threading.Thread):
    """Polls `GET /status` of the jobs in turn until told to stop, recording each answer's latency."""

    def __init__(self, base_url: str, job_ids: list[str], pause: float) -> None:
        super().__init__(name="flow-status-poller", daemon=True)
        self._base_url, self._job_ids, self._pause = base_url, job_ids, pause
        self.latencies: list[float] = []
        self.statuses: list[str] = []  # the status each answer gave, in the same order
        self.stop = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=self._base_url, timeout=30.0) as http:
            turn = 0
            while not self.stop.is_set():
                job_id = self._job_ids[turn % len(self._job_ids)]
                turn += 1
                started = time.perf_counter()
                response = http.get(f"{API}/comics/{job_id}/status")
                self.latencies.append(time.perf_counter() - started)
                response.raise_for_status()
                self.statuses.append(response.json()["status"])
                time.sleep(self._pause)


def whole_flow(http: httpx.Client, base_url: str, comics: int, panels: int, pause: float, timeout: float) -> Flow:
    """`comics` comics of `panels` panels taken from topic to completed at once, `/status` timed meanwhile."""
    result = Flow(comics, panels)
    started = time.time()
    body = {"topic": TOPIC, "age_group": "5-8", "panel_count": panels}  # no cast yet: it is picked later
    job_ids = [_post(http, "/comics/scenes/generate", body)["job_id"] for _ in range(comics)]
    poller = _Poller(base_url, job_ids, pause)
    poller.start()
    try:
        deadline, pending, finished = time.monotonic() + timeout, list(job_ids), {}
        while pending:
            for job_id in list(pending):
                status = http.get(f"{API}/comics/{job_id}/status").json()
                if _next_move(http, job_id, status):
                    finished[job_id] = status
                    pending.remove(job_id)
            if time.monotonic() > deadline:
                raise BenchError(f"{len(pending)} comic(s) not completed after {timeout} s")
            time.sleep(0.25)  # each parent's client polls 4 times a second; the timed poller is the other thread
    finally:
        poller.stop.set()
        poller.join(30)
    result.seconds = max(completed_at(status) for status in finished.values()) - started
    result.status_latencies, result.statuses = poller.latencies, poller.statuses
    return result


def flow_timeout(timing: Timing, panels: int) -> float:
    """Generous: three LLM calls and the drawing, ten times over, plus a minute."""
    return 60 + 10 * (2 * timing.llm + timing.critical_path(panels))


def _main() -> int:
    from bench.report import percentile  # matplotlib is imported there: only when run on its own

    parser = argparse.ArgumentParser(prog="python -m bench.flow", description=__doc__.split("\n")[0])
    parser.add_argument("--comics", type=int, default=10)
    parser.add_argument("--panels", type=int, default=6)
    parser.add_argument("--runs", type=int, default=3, help="whole batches, one after the other (default 3)")
    parser.add_argument("--llm-latency", type=float, default=0.5)
    parser.add_argument("--image-latency", type=float, default=2.0)
    parser.add_argument("--poll-interval", type=float, default=0.01)
    parser.add_argument("--log", type=Path, help="keep the service's log here (default: a temporary folder)")
    parser.add_argument("--stalls", type=Path, help="run the service under bench/stalls.py; its report goes here")
    args = parser.parse_args()
    timing = Timing(args.llm_latency, args.image_latency, 6)
    p99s: list[float] = []
    windows: list[tuple[float, float]] = []
    fakes = Fakes.start(timing.llm, timing.image)
    try:
        with tempfile.TemporaryDirectory(prefix="fable-flow-") as tmp:
            env = service_env(Path(tmp) / "data", **fakes.env())
            launcher: tuple[str, ...] = ("main.py",)
            if args.stalls:
                env["STALL_REPORT"], launcher = str(args.stalls.resolve()), ("-m", "bench.stalls")
            service = start_service(env, args.log or Path(tmp) / "flow.log", launcher=launcher)
            print(f"service pid {service.process.pid}", flush=True)
            try:
                with service.client() as http:
                    for run in range(1, args.runs + 1):
                        load, windows = os.getloadavg()[0], [*windows, (time.time(), 0.0)]
                        loop_before = service.loop_cpu_seconds()
                        flow = whole_flow(
                            http, service.base_url, args.comics, args.panels, args.poll_interval,
                            flow_timeout(timing, args.panels),
                        )  # fmt: skip
                        windows[-1] = (windows[-1][0], time.time())
                        flow.loop_cpu_seconds = service.loop_cpu_seconds() - loop_before
                        ms = [v * 1000 for v in flow.status_latencies]
                        p99s.append(percentile(ms, 99))
                        by_status: dict[str, list[float]] = {}
                        for latency, status in zip(ms, flow.statuses, strict=False):
                            by_status.setdefault(status, []).append(latency)
                        split = ", ".join(
                            f"{status} {len(v)} polls p50 {percentile(v, 50):.1f} p99 {percentile(v, 99):.1f}"
                            for status, v in sorted(by_status.items())
                        )
                        print(
                            f"run {run}: {flow.seconds:.2f} s, {len(ms)} polls, p50 {percentile(ms, 50):.1f} ms, "
                            f"p99 {p99s[-1]:.1f} ms, max {max(ms):.1f} ms, "
                            f"event loop CPU {flow.loop_cpu_seconds:.2f} s, load {load:.2f}\n    {split}",
                            flush=True,
                        )
            finally:
                stop_service(service)
    finally:
        fakes.stop()
    print(f"median p99 {statistics.median(p99s):.1f} ms over {len(p99s)} runs")
    if args.stalls:
        stalls = json.loads(args.stalls.read_text())
        for run, (start, end) in enumerate(windows, 1):
            print(f"run {run}: " + stall_summary([s for s in stalls if start <= s["at"] <= end]))
    return 0


if __name__ == "__main__":
    sys.exit(_main())
