"""The service on a data folder of 10,000 comics: start-up time, memory, and read latencies."""

from __future__ import annotations

import os
import random
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.harness import BenchError, Service, service_env, start_service, stop_service
from bench.store import StoreInfo

API = "/api/v1"
# What `reads` times, as the results name it.
READ_NAMES = {
    "stats": "GET /storage/stats",
    "jobs": "GET /jobs",
    "jobs?status": "GET /jobs?status=",
    "result": "GET result",
}


@dataclass
class Scale:
    """What the store-scale section measured."""

    store: StoreInfo
    cold_startup: float = 0.0  # the first start, without the start-up caches under DATA_DIR/.cache
    disk_startup: float = 0.0  # the same, with the documents out of the OS page cache too (as after a reboot)
    startup_seconds: list[float] = field(default_factory=list)
    empty_startup_seconds: list[float] = field(default_factory=list)  # the same service on an empty folder
    rss_mb: float = 0.0
    peak_rss_mb: float = 0.0
    helpers_pss_mb: float = 0.0  # the render workers and their fork server, shared pages split between them
    latencies: dict[str, list[float]] = field(default_factory=dict)

    @property
    def startup(self) -> float:
        """Median start-up time of the restarts (start-up caches in place)."""
        return statistics.median(self.startup_seconds)

    @property
    def empty_startup(self) -> float:
        """Median start-up time on an empty data folder: imports and wiring, no data."""
        return statistics.median(self.empty_startup_seconds)


def _peak_rss_mb(service: Service) -> float:
    for line in Path(f"/proc/{service.process.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise BenchError("no VmHWM line in /proc/<pid>/status")


def timed(http: httpx.Client, path: str, params: dict[str, object] | None = None) -> tuple[float, dict]:
    """One GET: its wall time and its JSON answer; raises BenchError for any status but 200."""
    started = time.perf_counter()
    response = http.get(path, params=params)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise BenchError(f"GET {path} answered {response.status_code}: {response.text[:300]}")
    return elapsed, response.json()


def reads(http: httpx.Client, expected: int, samples: int, rng: random.Random) -> dict[str, list[float]]:
    """`samples` stats and job-list reads at random pages, then results of random jobs among those listed.

    Returns the latencies by endpoint; raises BenchError when the store does not hold `expected` comics.
    The PostgreSQL section (`pg_scale.py`) reads its store with this too, so the rows compare.
    """
    _, stats = timed(http, f"{API}/storage/stats")
    if stats["json_storage"]["total_comics"] != expected:
        raise BenchError(f"the store holds {stats['json_storage']['total_comics']} comics, expected {expected}")
    job_ids: list[str] = []
    lat: dict[str, list[float]] = {"stats": [], "jobs": [], "jobs?status": [], "result": []}
    for _ in range(samples):
        lat["stats"].append(timed(http, f"{API}/storage/stats")[0])
        offset = rng.randrange(expected - 20)
        elapsed, page = timed(http, f"{API}/jobs", {"limit": 20, "offset": offset})
        if page["total"] != expected or len(page["jobs"]) != 20:
            raise BenchError(f"GET /jobs at offset {offset} gave {len(page['jobs'])} of {page['total']} jobs")
        lat["jobs"].append(elapsed)
        job_ids += [job["job_id"] for job in page["jobs"]]
        params = {"status": "completed", "limit": 20, "offset": rng.randrange(expected - 20)}
        lat["jobs?status"].append(timed(http, f"{API}/jobs", params)[0])
    for job_id in rng.sample(job_ids, min(len(job_ids), samples * 2)):
        elapsed, comic = timed(http, f"{API}/comics/{job_id}/result")
        if comic["job_id"] != job_id or not comic["panels"]:
            raise BenchError(f"GET result of {job_id} gave no panels")
        lat["result"].append(elapsed)
    return lat


def _documents(data_dir: Path, evict: bool) -> None:
    """Read every job and comic document into the OS page cache, or (`evict`) drop them from it.

    A folder left alone for a few minutes is partly out of the page cache on this machine (its
    memory manager reclaims idle pages), and a start then reads from disk: 1.8 s or 5.7 s for the
    same first start, from run to run. So the first start is timed twice, each from a known state.
    """
    for folder in (data_dir / "jobs", data_dir / "comics"):
        for entry in os.scandir(folder):
            fd = os.open(entry.path, os.O_RDONLY)
            try:
                if evict:
                    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                else:
                    while os.read(fd, 1 << 20):
                        pass
            finally:
                os.close(fd)


def _first_start(store: StoreInfo, log: Path, from_disk: bool) -> float:
    """Start-up without the service's start-up caches under DATA_DIR/.cache; the documents cached or not."""
    shutil.rmtree(store.data_dir / ".cache", ignore_errors=True)
    _documents(store.data_dir, evict=from_disk)
    service = start_service(service_env(store.data_dir), log)
    stop_service(service)
    return service.ready_seconds


def measure(store: StoreInfo, restarts: int, samples: int) -> Scale:
    """Start the service on the store cold and `restarts` times more, then time its reads and read its memory."""
    scale = Scale(store)
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="fable-bench-scale-") as tmp:
        log = Path(tmp) / "server.log"
        for _ in range(restarts):
            service = start_service(service_env(Path(tmp) / "empty"), log)
            scale.empty_startup_seconds.append(service.ready_seconds)
            stop_service(service)
        scale.disk_startup = _first_start(store, log, from_disk=True)
        scale.cold_startup = _first_start(store, log, from_disk=False)
        for attempt in range(restarts):
            service = start_service(service_env(store.data_dir), log)
            scale.startup_seconds.append(service.ready_seconds)
            if attempt < restarts - 1:
                stop_service(service)
        try:
            with service.client() as http:
                for _ in range(3):  # warm up: connections, code paths
                    timed(http, f"{API}/storage/stats")
                scale.latencies = reads(http, store.comics, samples, rng)
            scale.rss_mb, scale.peak_rss_mb = service.rss_mb(), _peak_rss_mb(service)
            scale.helpers_pss_mb = service.helpers_pss_mb()
        finally:
            stop_service(service)
    return scale
