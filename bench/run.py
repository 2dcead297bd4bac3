"""`make bench`: run every section and write `bench/results.md` and `bench/results.png`.

    .venv/bin/python -m bench.run [--llm-latency 0.5] [--image-latency 2] [--image-concurrency 6] ...

Sections: end-to-end latency against the critical path, many comics drawn at once and many taken
through the whole workflow at once (the service on its real SDKs against the local fakes), the
store at 10,000 comics (offline providers), the same store moved up into PostgreSQL, and the CPU
cost of our own rendering. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench import cpu, notes, pg_scale, scale
from bench.flow import Flow, flow_timeout, whole_flow
from bench.harness import Fakes, service_env, start_service, stop_service
from bench.latency import Crowd, EndToEnd, Timing, crowd, end_to_end
from bench.prepared import Prepared, prepared_generate
from bench.report import Figure, percentile, table, write_markdown, write_plot
from bench.store import ensure_store

HERE = Path(__file__).resolve().parent


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    add = parser.add_argument
    add("--llm-latency", type=float, default=0.5, metavar="L", help="seconds per LLM call (default 0.5)")
    add("--image-latency", type=float, default=2.0, metavar="I", help="seconds per image (default 2)")
    add("--image-concurrency", type=int, default=6, metavar="N", help="IMAGE_CONCURRENCY of the service (default 6)")
    add("--panel-counts", default="1,4,6,8,12", help="comic sizes for the end-to-end figures")
    add("--repeats", type=int, default=3, help="comics per size; the ratio uses the median (default 3)")
    add("--comics", type=int, default=10, help="comics drawn at once in the load section (default 10)")
    add("--poll-interval", type=float, default=0.01, help="pause between GET /status polls (default 0.01 s)")
    add("--store-comics", type=int, default=10_000, help="comics in the store-scale data folder (default 10000)")
    add("--samples", type=int, default=200, help="requests per endpoint in the store section (default 200)")
    add("--cache", type=Path, default=HERE / "cache", help="where the store is cached (default bench/cache)")
    add("--out", type=Path, default=HERE, help="folder for results.md and results.png (default bench/)")
    return parser


def _latency(args: argparse.Namespace, timing: Timing, work: Path) -> tuple[list[EndToEnd], Prepared, Crowd, Flow]:
    fakes = Fakes.start(timing.llm, timing.image)
    try:
        env = service_env(work / "data", IMAGE_CONCURRENCY=str(timing.concurrency), **fakes.env())
        service = start_service(env, work / "latency.log")
        try:
            with service.client() as http:
                counts = [int(n) for n in args.panel_counts.split(",")]
                e2e = end_to_end(http, timing, counts, args.repeats, work / "data" / "jobs")
                ready = prepared_generate(http, timing, args.repeats)  # after e2e: its comics drew the references
                cpu_before = service.cpu_seconds()
                load = crowd(http, service.base_url, timing, args.comics, 6, args.poll_interval)
                load.service_cpu_seconds = service.cpu_seconds() - cpu_before
                cpu_before, loop_before = service.cpu_seconds(), service.loop_cpu_seconds()
                timeout = flow_timeout(timing, 6)
                flow = whole_flow(http, service.base_url, args.comics, 6, args.poll_interval, timeout)
                flow.service_cpu_seconds = service.cpu_seconds() - cpu_before
                flow.loop_cpu_seconds = service.loop_cpu_seconds() - loop_before
        finally:
            stop_service(service)
    finally:
        fakes.stop()
    return e2e, ready, load, flow


def _figures(
    e2e: list[EndToEnd],
    ready: Prepared,
    load: Crowd,
    flow: Flow,
    store: scale.Scale,
    moved: pg_scale.PgScale,
    costs: list[cpu.CpuCost],
) -> list[Figure]:
    figures = [
        Figure("end-to-end", f"{run.label} ÷ critical path", run.ratio, "ratio", 1.15 if run.panels == 6 else None)
        for run in e2e
    ]
    figures += [
        Figure("end-to-end", f"{run.label}: last panel stored ÷ critical path", run.drawn_ratio, "ratio")
        for run in e2e
        if run.panels == 6
    ]
    figures.append(
        Figure(
            "end-to-end",
            f"6 panels, references drawn, cast {ready.think:g} s before generate: generate to completed ÷ one image",
            ready.ratio,
            "ratio",
            1.15,
        )
    )
    ms = [v * 1000 for v in load.status_latencies]
    figures += [
        Figure("load", f"{load.comics} comics at once: throughput ÷ limit's", load.throughput_ratio, "ratio"),
        Figure("load", "service CPU per comic", load.service_cpu_seconds / load.comics, "s"),
        Figure("load", f"GET /status p50 ({len(ms)} polls)", percentile(ms, 50), "ms"),
        Figure("load", "GET /status p99", percentile(ms, 99), "ms", 25, strict=True),
    ]
    ms = [v * 1000 for v in flow.status_latencies]
    figures += [
        Figure("flow", f"{flow.comics} comics, topic to completed, all at once: last done after", flow.seconds, "s"),
        Figure("flow", "service CPU per comic", flow.service_cpu_seconds / flow.comics, "s"),
        Figure("flow", "event-loop thread CPU per comic", flow.loop_cpu_seconds / flow.comics, "s"),
        Figure("flow", f"GET /status p50 ({len(ms)} polls)", percentile(ms, 50), "ms"),
        Figure("flow", "GET /status p99", percentile(ms, 99), "ms", 25, strict=True),
    ]
    limits = {"stats": 100, "jobs": 100, "jobs?status": 100, "result": 10}
    for key, values in store.latencies.items():
        p99 = percentile([v * 1000 for v in values], 99)
        figures.append(Figure("store", f"{scale.READ_NAMES[key]} p99", p99, "ms", limits[key], True))
    figures += [
        Figure("store", "first start-up to /health (no start-up cache)", store.cold_startup, "s", 2, strict=True),
        Figure("store", "the same, documents not in the OS page cache (as after a reboot)", store.disk_startup, "s"),
        Figure("store", "start-up to /health (median of 3 restarts)", store.startup, "s", 2, strict=True),
        Figure("store", "start-up on an empty data folder (baseline)", store.empty_startup, "s"),
        Figure("store", "peak RSS (VmHWM)", store.peak_rss_mb, "MB", 200, strict=True),
        Figure("store", "RSS after the reads (VmRSS)", store.rss_mb, "MB", 200, strict=True),
        Figure("store", "render workers and their fork server (PSS)", store.helpers_pss_mb, "MB"),
    ]
    figures += pg_scale.figures(moved)
    for cost in costs:
        value = None if cost.skipped else cost.median * 1000
        figures.append(Figure("cpu", f"{cost.name} (median CPU)", value, "ms", note=f"skipped: {cost.skipped}"))
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns 1 when a target is missed."""
    args = _parser().parse_args(argv)
    started, load_before = time.perf_counter(), os.getloadavg()[0]
    timing = Timing(args.llm_latency, args.image_latency, args.image_concurrency)
    with tempfile.TemporaryDirectory(prefix="fable-bench-") as tmp:
        print("end-to-end, load and the whole workflow (service + fakes) ...", flush=True)
        e2e, ready, load, flow = _latency(args, timing, Path(tmp))
        print("the store at scale ...", flush=True)
        stored = ensure_store(args.cache, args.store_comics)
        store = scale.measure(stored, restarts=3, samples=args.samples)
        print("the same store moved up into PostgreSQL ...", flush=True)
        moved = pg_scale.measure(stored, samples=args.samples)
    print("CPU cost ...", flush=True)
    costs = cpu.measure(rounds=3)
    figures = _figures(e2e, ready, load, flow, store, moved, costs)
    sections = notes.sections(args, timing, e2e, ready, load, flow, store)
    sections.insert(-1, ("The store moved up into PostgreSQL", pg_scale.note(args.samples, moved)))  # before CPU
    elapsed = time.perf_counter() - started
    sections.append(
        (
            "This run",
            f"`make bench` took {elapsed:.0f} s (the store {'was cached' if store.store.cached else 'was built'}). "
            f"The 1-minute load average was {load_before:.1f} before and {os.getloadavg()[0]:.1f} after, on "
            f"{os.cpu_count()} CPUs: above that number, other processes were competing for the cores and every "
            "absolute time above (start-up, latencies, CPU) is inflated accordingly.",
        )
    )
    args.out.mkdir(parents=True, exist_ok=True)
    write_markdown(args.out / "results.md", figures, sections)
    write_plot(args.out / "results.png", figures, e2e, load, flow)
    print(table(figures))
    print(f"wrote {args.out / 'results.md'} and {args.out / 'results.png'} in {elapsed:.0f} s")
    return 1 if any(f.verdict == "FAIL" for f in figures) else 0


if __name__ == "__main__":
    sys.exit(main())
