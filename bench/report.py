"""The benchmark's outputs: `bench/results.md` (a table of figures with targets) and `bench/results.png`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: the plot only goes to a file

import matplotlib.pyplot as plt  # after the backend is chosen

from bench.flow import Flow
from bench.latency import Crowd, EndToEnd

_FORMATS = {"s": ".2f", "ms": ".1f", "MB": ".0f"}


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile: the smallest value with at least p% of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(math.ceil(p / 100 * len(ordered)) - 1, 0)]


@dataclass(frozen=True)
class Figure:
    """One row of the table: `limit` is the target (None: reported without one), `strict` means "<"."""

    section: str
    name: str
    value: float | None
    unit: str
    limit: float | None = None
    strict: bool = False  # target is "< limit" rather than "<= limit"
    note: str = ""

    @property
    def verdict(self) -> str:
        """pass / FAIL against the target, "info" without one, "skipped" when not measured."""
        if self.value is None:
            return "skipped"
        if self.limit is None:
            return "info"
        ok = self.value < self.limit if self.strict else self.value <= self.limit
        return "pass" if ok else "FAIL"

    def shown(self, number: float | None) -> str:
        """A value or target with its unit."""
        if number is None:
            return "—"
        if self.unit == "ratio":
            return f"{number:.3f}"
        return f"{number:{_FORMATS.get(self.unit, '.1f')}} {self.unit}"

    @property
    def target(self) -> str:
        """The target as written in the table."""
        return "—" if self.limit is None else f"{'<' if self.strict else '≤'} {self.shown(self.limit)}"


def table(figures: list[Figure]) -> str:
    """The results table in Markdown."""
    lines = ["| Figure | Value | Target | Verdict |", "|---|---|---|---|"]
    for figure in figures:
        value = figure.shown(figure.value) if figure.value is not None else figure.note
        lines.append(f"| {figure.section}: {figure.name} | {value} | {figure.target} | {figure.verdict} |")
    return "\n".join(lines)


def write_markdown(path: Path, figures: list[Figure], sections: list[tuple[str, str]]) -> None:
    """The table, then one paragraph per `(heading, text)` saying how the figures were obtained."""
    failed = [f for f in figures if f.verdict == "FAIL"]
    summary = "Every target holds." if not failed else f"{len(failed)} target(s) missed."
    parts = ["# Benchmark results", "", "Written by `make bench` (`bench/run.py`). " + summary, "", table(figures)]
    for heading, text in sections:
        parts += ["", f"## {heading}", "", text]
    path.write_text("\n".join(parts) + "\n")


def write_plot(
    path: Path, figures: list[Figure], e2e: list[EndToEnd], crowd: Crowd | None, flow: Flow | None = None
) -> None:
    """Four panels: end-to-end ratios, `/status` latency CDF under load, store latencies, value ÷ target."""
    fig, ((ax_e2e, ax_status), (ax_store, ax_targets)) = plt.subplots(2, 2, figsize=(13, 9))
    if e2e:
        labels = [str(run.panels) for run in e2e]
        ax_e2e.bar(labels, [run.ratio for run in e2e], color="#4c72b0")
        ax_e2e.axhline(1.15, color="#c44e52", linestyle="--", label="target at 6 panels (1.15)")
        ax_e2e.axhline(1.0, color="grey", linewidth=0.8)
        ax_e2e.set_xlabel("panels")
        ax_e2e.set_ylabel("time to completed ÷ critical path")
        ax_e2e.legend(loc="lower right")
    ax_e2e.set_title("End-to-end against the critical path")
    curves = [(crowd, "#4c72b0", "while drawing"), (flow, "#dd8452", "through the whole workflow")]
    for load, colour, label in curves:
        if load and load.status_latencies:
            ms = sorted(v * 1000 for v in load.status_latencies)
            ax_status.plot(ms, [100 * (i + 1) / len(ms) for i in range(len(ms))], color=colour, label=label)
    if (crowd and crowd.status_latencies) or (flow and flow.status_latencies):
        ax_status.axvline(25, color="#c44e52", linestyle="--", label="p99 target (25 ms)")
        ax_status.set_xscale("log")
        ax_status.set_xlabel("GET /status latency (ms, log)")
        ax_status.set_ylabel("% of requests at or below")
        ax_status.legend(loc="lower right")
    ax_status.set_title(f"GET /status with {crowd.comics if crowd else 0} comics at once")
    store = [f for f in figures if f.section == "store" and f.unit == "ms" and f.value is not None]
    if store:
        ax_store.barh([f.name for f in store], [f.value for f in store], color="#55a868")
        ax_store.scatter([f.limit for f in store], [f.name for f in store], color="#c44e52", marker="|", s=300)
        ax_store.set_xscale("log")
        ax_store.set_xlim(0.5, 2 * max(max(f.value for f in store), max(f.limit or 0 for f in store)))
        ax_store.set_xlabel("ms (log); red mark = target")
    ax_store.set_title("The store at 10,000 comics")
    targeted = [f for f in figures if f.limit is not None and f.value is not None]
    colours = ["#55a868" if f.verdict == "pass" else "#c44e52" for f in targeted]
    ax_targets.barh([f"{f.section}: {f.name}" for f in targeted], [f.value / f.limit for f in targeted], color=colours)
    ax_targets.axvline(1.0, color="black", linewidth=0.8)
    ax_targets.set_xscale("log")
    ax_targets.invert_yaxis()
    ax_targets.set_xlabel("value ÷ target (log; below 1 is good)")
    ax_targets.set_title("Every target")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
