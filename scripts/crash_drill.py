"""Crash drill: kill -9 the server at random moments while comics are being made, restart, retry.

    .venv/bin/python -m scripts.crash_drill --comics 20 --kills 8

Runs the real service as a subprocess against the local OpenAI and fal.ai fakes, drives every
comic through the workflow, and SIGKILLs the server at random moments. After each restart it
retries whatever was interrupted. At the end it checks that every comic completed, that every
JSON document in the data folder parses, and that fal.ai was asked for each panel exactly once.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.fakes.fal_server import FakeFal, make_ca_bundle
from tests.fakes.openai_server import FakeOpenAI
from tests.utils.server import ServerProcess, real_provider_env, service_env, start_server, stop_server

API = "/api/v1"
TOPICS = [
    "teach my kid not to accept candy from strangers",
    "teach my kid to brush their teeth every night",
    "teach my kid to look both ways before crossing the street",
    "teach my kid to share toys with friends",
    "teach my kid to tell the truth even when it is hard",
]
CAST = [{"character_type": "girl_young", "count": 1}, {"character_type": "parent_mom", "count": 1}]


@dataclass
class DrillReport:
    """What the drill saw."""

    comics: int
    kills: int
    completed: int = 0
    unreadable_json: list[str] = field(default_factory=list)
    panels_requested_twice: dict[str, int] = field(default_factory=dict)  # "seed 7: <prompt>" -> requests
    lookups: int = 0  # calls of fal.ai's request listing: kills that fell between a submit and its id
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Every comic completed, every document readable, no panel paid for twice."""
        return self.completed == self.comics and not self.unreadable_json and not self.panels_requested_twice


def _advance(http: httpx.Client, job_id: str, may_draw: bool) -> tuple[str, str]:
    """Take the next step for one job; returns its status and step."""
    status = http.get(f"{API}/comics/{job_id}/status").json()
    state, step = status["status"], status["step"]
    if state == "requires_action" and step == "scene_review":
        http.post(f"{API}/comics/{job_id}/scenes/refine", json={"feedback_list": []})
    elif state == "requires_action" and step == "comic_generation" and may_draw:
        http.post(f"{API}/comics/{job_id}/generate", json={"style": "cartoon"})
        step = "generating_images"
    elif state in ("interrupted", "failed", "cancelled"):
        http.post(f"{API}/comics/{job_id}/retry")
    return state, step


def run_drill(
    comics: int, kills: int, workdir: Path, image_latency: float = 0.8, seed: int = 7, parallel: int = 3
) -> DrillReport:
    """Make `comics` comics while killing the server `kills` times; returns the report."""
    rng = random.Random(seed)
    report = DrillReport(comics=comics, kills=0)
    ca, pem = make_ca_bundle(workdir)
    started = time.monotonic()
    with FakeOpenAI() as llm, FakeFal(ca) as fal:
        llm.latency, fal.latency = 0.1, image_latency
        env = service_env(
            workdir / "data",
            **real_provider_env(llm.base_url, fal, pem),
            RETRY_BASE_DELAY_SECONDS="0.05",
            # How long a resumed job looks for a request whose id a kill kept from being recorded.
            IMAGE_TIMEOUT_SECONDS="20",
        )
        server: ServerProcess = start_server(env, workdir / "server.log")
        try:
            with server.client() as http:
                jobs = [
                    http.post(
                        f"{API}/comics/scenes/generate",
                        json={"topic": TOPICS[i % len(TOPICS)], "age_group": "5-8", "characters": CAST},
                    ).json()["job_id"]
                    for i in range(comics)
                ]
            states: list[str] = []
            next_kill = time.monotonic() + rng.uniform(0.3, 1.5)
            deadline = time.monotonic() + 90 + comics * 4 * image_latency
            while time.monotonic() < deadline:
                if report.kills < kills and time.monotonic() >= next_kill:
                    server.process.kill()  # SIGKILL: no shutdown hook runs, as in a power cut
                    server.process.wait()
                    report.kills += 1
                    server = start_server(env, workdir / "server.log")
                    next_kill = time.monotonic() + rng.uniform(0.3, 1.5)
                # A creator makes a few comics at a time; drawing all twenty at once on two cores would
                # stretch every request's round trip, and with it the moment a kill can fall into.
                drawing = 0
                states = []
                with server.client() as http:
                    for job_id in jobs:
                        state, step = _advance(http, job_id, may_draw=drawing < parallel)
                        drawing += state != "completed" and step == "generating_images"
                        states.append(state)
                if all(state == "completed" for state in states) and report.kills >= kills:
                    break
                time.sleep(0.2)
            report.completed = sum(state == "completed" for state in states)
        finally:
            stop_server(server)
        # A panel's picture is its comic's seed with its own prompt.
        report.lookups = fal.listings
        per_panel = Counter((s["arguments"]["seed"], s["arguments"]["prompt"]) for s in fal.submissions)
    for path in (workdir / "data").rglob("*.json"):
        try:
            json.loads(path.read_bytes())
        except ValueError:
            report.unreadable_json.append(str(path))
    twice = {f"seed {seed}: {prompt[:60]}": n for (seed, prompt), n in per_panel.items() if n > 1}
    report.panels_requested_twice = twice
    report.seconds = time.monotonic() - started
    return report


def main() -> int:
    """Run the drill from the command line and print its report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comics", type=int, default=20)
    parser.add_argument("--kills", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fable-drill-") as tmp:
        report = run_drill(args.comics, args.kills, Path(tmp), seed=args.seed)
    print(json.dumps({**report.__dict__, "ok": report.ok}, indent=2))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
