"""The prose of `bench/results.md`: how each figure was obtained, with this run's numbers in it."""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform

from bench.flow import Flow
from bench.latency import Crowd, EndToEnd, Timing
from bench.prepared import Prepared
from bench.scale import Scale


def _setup(timing: Timing) -> str:
    return (
        f"L = {timing.llm} s per LLM call, I = {timing.image} s per image, "
        f"IMAGE_CONCURRENCY = {timing.concurrency}; {os.cpu_count()} CPUs, Python {platform.python_version()}. "
        "The service runs as `python main.py serve` on 127.0.0.1 with the real `openai` and `fal_client` SDKs, "
        "pointed at the local fakes (`bench/fakes.py`, a process of their own; the fal.ai fake serves HTTPS and "
        "renders a real PNG for every image)."
    )


def _seconds(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values) + " s"


def _critical_path(repeats: int, e2e: list[EndToEnd]) -> str:
    runs = "; ".join(
        f"{run.label}: {_seconds(run.seconds)} to completed, {_seconds(run.drawn_seconds)} to the last "
        f"panel stored (critical path {run.critical_path:.2f} s, ratios {run.ratio:.3f} and {run.drawn_ratio:.3f})"
        for run in e2e
    )
    return (
        "critical path(n) = L + ceil(n / IMAGE_CONCURRENCY) · I: the one LLM call that writes every image prompt, "
        "then the panels, drawn in waves of IMAGE_CONCURRENCY at once (1 to 6 panels: one wave, L + I; 8 and 12 "
        "panels with concurrency 6: two waves, L + 2·I). Scene writing comes before the parent's review, so it is "
        "not part of this wait. The time runs from just before `POST /comics/{id}/generate` is sent to the job's "
        "`completed_at` stamp (the service's clock, same machine), so it includes everything that is ours: the "
        "prompt call, fal's queue, polling (`app/providers/fal_polling.py`), downloads, Pillow checks, atomic "
        f"writes{_FINISHING_NOTE if _finishing() else ''} and the comic document. The ratio is the median of "
        f"{repeats} comics per size. The time to the last panel stored (from that panel's record) splits the "
        f"drawing from what follows it. Times: {runs}."
    )


_FINISHING_NOTE = (
    ", the lettering of each panel as it is stored (`app/services/finishing/finishing.py`, in the render workers; "
    "the page and the PDFs are made after `completed`, see `app/services/finishing/prints.py`, and the CPU rows for "
    "what each costs)"
)


def _finishing() -> bool:
    return importlib.util.find_spec("app.services.finishing.finishing") is not None


def _load(poll_interval: float, load: Crowd) -> str:
    return (
        f"{load.comics} comics of {load.panels} panels are started together; the batch took "
        f"{load.batch_seconds:.2f} s against {load.ideal_seconds:.2f} s if nothing were shared "
        f"({load.comics / load.batch_seconds:.2f} comics/s against {load.comics / load.ideal_seconds:.2f}). "
        "IMAGE_CONCURRENCY limits each comic, not the service, so the throughput the limit allows is the number of "
        "comics over one comic's critical path. Meanwhile a second client polls `GET /comics/{id}/status` of the "
        f"comics in turn, pausing {poll_interval * 1000:.0f} ms between polls. The service used "
        f"{load.service_cpu_seconds:.1f} s of CPU meanwhile (writing their scenes and its render workers "
        "included; PDFs are made only while no comic is being drawn), on the same cores as the fakes and the poller."
    )


def _flow(poll_interval: float, flow: Flow) -> str:
    return (
        f"{flow.comics} comics of {flow.panels} panels are taken through the whole workflow at once, as a "
        "parent would: `POST /comics/scenes/generate` (no cast yet), one round of feedback on scene 2 once the "
        "scenes are up for review, approval with an empty list, `characters/select`, then `generate`. One driver "
        "(`bench/flow.py`) moves each comic on as soon as its status allows, so comics overlap in every step: "
        "some are being written and screened by the moderation endpoint while others are drawn. From the first "
        f"request to the last `completed_at` took {flow.seconds:.2f} s; the service used "
        f"{flow.service_cpu_seconds:.1f} s of CPU, {flow.loop_cpu_seconds:.1f} s of it in the event loop's thread "
        "(`/proc/<pid>/task/<pid>/stat`: what every request waits behind; unlike latencies, it hardly changes "
        "when other processes compete for the cores). A second client polls `GET /comics/{{id}}/status` of the "
        f"comics in turn meanwhile, pausing {poll_interval * 1000:.0f} ms between polls. "
        "`python -m bench.flow --runs 3` runs this row alone; with `--stalls FILE` the service runs under "
        "`bench/stalls.py`, which samples the event loop's stack during every callback over 10 ms and says whose "
        "code the stalls were spent in."
    )


def _store(samples: int, store: Scale) -> str:
    built = "reused from the cache" if store.store.cached else "built in this run"
    return (
        f"{store.store.comics} finished comics (job and comic documents, six PNG panels each), {built} (build "
        f"took {store.store.build_seconds:.1f} s; cached under `bench/cache/`). They are written directly at the "
        "storage layer's paths with the records the pipeline writes, not through the pipeline (which would take "
        "about 40 minutes): a few comics are made by the offline providers and copied with new ids, dates and "
        f"seeds; see `bench/store.py`. Latencies are the p99 of {samples} requests (result: {2 * samples}) at "
        "random pages and comics over a keep-alive connection. Start-up is process start to the first `/health` "
        f"answer: {store.cold_startup:.2f} s for the first start (the benchmark deletes `DATA_DIR/.cache/`, so "
        "every job document is parsed; the image folders are listed and the comic documents checked in the "
        "background once the service answers; the documents were read just before, so they come from the OS "
        f"page cache), {store.disk_startup:.2f} s for the same start with the documents dropped from the page "
        "cache first (`posix_fadvise(DONTNEED)`, as after a reboot: this machine's memory manager reclaims pages "
        "left idle for minutes, which made the first start 1.8 s in one run and 5.7 s in the next), then the median of "
        f"{len(store.startup_seconds)} restarts ({', '.join(f'{s:.2f}' for s in store.startup_seconds)} s), "
        "which only re-read what changed. The same service on an empty data folder starts in "
        f"{store.empty_startup:.2f} s (median of {len(store.empty_startup_seconds)}): that much is imports and "
        "wiring, the rest is the data. Memory comes from /proc/<pid>/status of the server process; its render "
        "workers are processes of their own, measured apart as proportional set size (`Pss` in "
        "/proc/<pid>/smaps_rollup, pages they share counted once)."
    )


_CPU = (
    "`time.process_time` in the benchmark process (median of 3 rounds) for one 6-panel comic by the offline writer: "
    "drawing with the offline illustrator (used when there is no fal.ai key), then, with `app/rendering/`, what "
    "finishing a comic does: lettering the panels, composing the page and rendering the PDFs. No targets: they "
    "show what a comic costs on top of the providers, on the same cores that serve the API."
)


def _prepared(ready: Prepared) -> str:
    times = ", ".join(f"{s:.2f} s" for s in ready.seconds)
    return (
        f"Six-panel comics cast {ready.think:g} s before `POST .../generate` (no cast up front), after the "
        "end-to-end comics drew the cast's references in this style: in those seconds the service writes the "
        "image prompts in the background, so generate has only the drawing left, one wave of six panels. "
        f"Generate to `completed_at`: {times}; the median over one image latency "
        f"({ready.image_latency:g} s) is the figure, target ≤ 1.15."
    )


def sections(
    args: argparse.Namespace,
    timing: Timing,
    e2e: list[EndToEnd],
    ready: Prepared,
    load: Crowd,
    flow: Flow,
    store: Scale,
) -> list[tuple[str, str]]:
    """(heading, paragraph) pairs for results.md."""
    return [
        ("Setup", _setup(timing)),
        ("How the critical path is computed", _critical_path(args.repeats, e2e)),
        ("Generate when everything else is prepared", _prepared(ready)),
        ("Many comics at once", _load(args.poll_interval, load)),
        ("The whole workflow at once", _flow(args.poll_interval, flow)),
        ("The store at 10,000 comics", _store(args.samples, store)),
        ("CPU cost of our rendering", _CPU),
    ]
