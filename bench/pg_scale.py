"""The PostgreSQL store at 10,000 comics: the cached file store moved up as a user does, then read.

    .venv/bin/python -m bench.pg_scale [--samples 200] [--cache bench/cache]   # this section alone

The store of `bench/store.py` is loaded into a fresh database of its own PostgreSQL server (the
`pgserver` wheel, on a Unix socket) by `python main.py export --database-url`, the documented
moving-up path, timed whole: reading 20,000 documents, building the rows and applying them in one
transaction. Then `main.py serve` runs with DATABASE_URL and its reads are timed exactly as the
file store's (`scale.reads`).

The images stay where they are: the service gets a scratch DATA_DIR whose `images` is a link to
the store's. None of the three timed reads opens an image (a result is rows, the stats' image
totals are counted once at start-up), so a bucket would change nothing they measure while
uploading 60,000 objects would cost minutes; and nothing is written into the cached store (not
even the data folder's lock, which a file-store run on the same cache would then trip over).
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.harness import REPO_ROOT, BenchError, service_env, start_service, stop_service
from bench.report import Figure, percentile, table
from bench.scale import API, READ_NAMES, reads, timed
from bench.store import StoreInfo, ensure_store
from tests.utils.postgres import PostgresServer

SECTION = "postgres"
# Issue 12's targets for the PostgreSQL store (the file store's are 100 ms for the listings).
_LIMITS = {"stats": 50.0, "jobs": 50.0, "jobs?status": 50.0, "result": 10.0}
_EXPORT_TIMEOUT_SECONDS = 900


@dataclass
class PgScale:
    """What the PostgreSQL section measured."""

    store: StoreInfo
    load_seconds: float = 0.0  # `main.py export --database-url`, process start to exit
    load_summary: str = ""  # the export's own line: what the database holds now
    startup_seconds: float = 0.0  # `serve` with DATABASE_URL: process start to the first /health answer
    latencies: dict[str, list[float]] = field(default_factory=dict)


def measure(store: StoreInfo, samples: int) -> PgScale:
    """Load `store` into a new database with the export, serve from it, and time its reads."""
    result = PgScale(store)
    with (
        tempfile.TemporaryDirectory(prefix="fable-bench-pg-") as tmp,
        PostgresServer() as server,
        server.database() as url,
    ):
        log = Path(tmp) / "server.log"
        result.load_seconds, result.load_summary = _load(store, url)
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        (data_dir / "images").symlink_to(store.data_dir.resolve() / "images", target_is_directory=True)
        service = start_service(service_env(data_dir, DATABASE_URL=url), log)
        result.startup_seconds = service.ready_seconds
        try:
            with service.client() as http:
                for _ in range(3):  # warm up: connections, prepared statements, code paths
                    timed(http, f"{API}/storage/stats")
                result.latencies = reads(http, store.comics, samples, random.Random(7))
        finally:
            stop_service(service)
    return result


def _load(store: StoreInfo, url: str) -> tuple[float, str]:
    """Run the export into `url` as a user would; returns its wall time and its `database:` line."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "main.py", "export", "--database-url", url],
        cwd=REPO_ROOT,
        env=service_env(store.data_dir),  # IMAGE_STORE=files and no S3 endpoint: the rows alone
        capture_output=True,
        text=True,
        timeout=_EXPORT_TIMEOUT_SECONDS,
    )
    seconds = time.perf_counter() - started
    summary = next((line for line in done.stdout.splitlines() if line.startswith("database: ")), "")
    if done.returncode != 0 or f"jobs {store.comics}," not in summary:
        raise BenchError(f"the export into the database failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return seconds, summary


def figures(pg: PgScale) -> list[Figure]:
    """The section's rows: the load and start-up as information, the reads against their targets."""
    rows = [
        Figure(SECTION, f"load {pg.store.comics:,} comics with `main.py export --database-url`", pg.load_seconds, "s"),
        Figure(SECTION, "start-up to /health with DATABASE_URL", pg.startup_seconds, "s"),
    ]
    for key, values in pg.latencies.items():
        p99 = percentile([v * 1000 for v in values], 99)
        rows.append(Figure(SECTION, f"{READ_NAMES[key]} p99", p99, "ms", _LIMITS[key], strict=True))
    return rows


def note(samples: int, pg: PgScale) -> str:
    """The paragraph for results.md."""
    return (
        f"The same {pg.store.comics:,} comics moved up into PostgreSQL 16 (the `pgserver` wheel, a Unix socket, "
        "default settings) with `python main.py export --database-url`, the documented path, in one transaction: "
        f"{pg.load_seconds:.1f} s, process start to exit ({pg.load_summary.split(' now ', 1)[-1]}). Then "
        "`main.py serve` with DATABASE_URL and the images read in place from the store's folder (none of the timed "
        "reads opens one; see `bench/pg_scale.py`), and the same reads as the file store's rows: p99 of "
        f"{samples} requests (result: {2 * samples}) at random pages and comics over a keep-alive connection. "
        "Not measured: the time a second instance takes to take over a dead one's job, since jobs are not leased "
        "to instances yet (issue 12, item 3)."
    )


def _main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pg_scale", description=__doc__.split("\n")[0])
    parser.add_argument("--store-comics", type=int, default=10_000, help="comics in the store (default 10000)")
    parser.add_argument("--samples", type=int, default=200, help="requests per endpoint (default 200)")
    parser.add_argument("--cache", type=Path, default=Path(__file__).parent / "cache", help="the store's cache")
    args = parser.parse_args(argv)
    pg = measure(ensure_store(args.cache, args.store_comics), args.samples)
    rows = figures(pg)
    print(table(rows))
    print(note(args.samples, pg))
    return 1 if any(f.verdict == "FAIL" for f in rows) else 0


if __name__ == "__main__":
    sys.exit(_main())
