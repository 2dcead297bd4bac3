"""The service's Prometheus metrics, created once per app at start-up and served by `GET /metrics`.

They live in a registry of the app's own, not in prometheus_client's process-wide default one: the
tests start hundreds of apps in one process, and two apps there must neither collide on a metric's
name nor count each other's jobs. The service is one process (the render workers record nothing),
so prometheus_client's multiprocess mode is not used: with it, custom collectors such as the job
counts below would not work.

Labels are bounded by design: statuses, steps, provider names and operations, never a job id.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from app.models.states import JobStatus, JobStep
from app.storage.job_feed import JobWrite

# What a scrape answers with: the text format generate_latest writes.
CONTENT_TYPE = CONTENT_TYPE_LATEST

# A step lasts from milliseconds (offline scenes) to days (a scene review the parent forgets).
STEP_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600, 7 * 24 * 3600)
# A provider call: a few ms offline, seconds for an LLM, up to IMAGE_TIMEOUT_SECONDS (180) for a picture.
CALL_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 180, 300)

JobCounts = Mapping[tuple[JobStatus, JobStep], int]


class JobsCollector(Collector):
    """`fable_jobs{status, step}`, as the store counted them for this scrape.

    Counted at scrape time rather than kept in a gauge that every write adjusts: the store already
    keeps the numbers (an index in memory, or a query on PostgreSQL, where other instances write
    too), so there is nothing to keep in step with it. The route asks the store, which may need to
    await, and hands the counts over (`Metrics.exposition`).
    """

    def __init__(self) -> None:
        self._counts: dict[tuple[JobStatus, JobStep], int] = {}

    def update(self, counts: JobCounts) -> None:
        """The counts for the next collection; a pair counted before stays, at 0, so its series does not vanish."""
        self._counts = dict.fromkeys(self._counts, 0) | dict(counts)

    def describe(self) -> Iterator[GaugeMetricFamily]:
        """The family without samples: lets the registry check names without counting jobs."""
        yield self._family()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """One sample per (status, step) counted since start-up, zeros included."""
        family = self._family()
        for (status, step), count in sorted(self._counts.items()):
            family.add_metric([status.value, step.value], count)
        yield family

    @staticmethod
    def _family() -> GaugeMetricFamily:
        return GaugeMetricFamily("fable_jobs", "Jobs in the store by status and step", labels=["status", "step"])


class Metrics:
    """The app's registry and every metric the service records, made once at start-up."""

    def __init__(self, instance_id: str) -> None:
        # target_info names the instance as its log lines do, since Prometheus's own `instance` label
        # is the scrape address.
        self.registry = CollectorRegistry(target_info={"instance_id": instance_id})
        for standard in (ProcessCollector, PlatformCollector, GCCollector):
            standard(registry=self.registry)
        self._jobs = JobsCollector()
        self.registry.register(self._jobs)
        self.step_seconds = Histogram(
            "fable_job_step_duration_seconds",
            "Time a job spent in a status and step, observed when it leaves them",
            ["status", "step"],
            buckets=STEP_BUCKETS,
            registry=self.registry,
        )
        self.provider_seconds = Histogram(
            "fable_provider_call_duration_seconds",
            "Provider calls that ended (succeeded or failed), by how long they took, retries included",
            ["provider", "operation"],
            buckets=CALL_BUCKETS,
            registry=self.registry,
        )
        self.provider_failures = Counter(
            "fable_provider_call_failures",
            "Provider calls that failed after their retries",
            ["provider", "operation"],
            registry=self.registry,
        )
        self.images_drawn = Counter(
            "fable_images_drawn",
            "Pictures an image provider returned (panels and character references), paid for or not",
            ["provider", "kind"],
            registry=self.registry,
        )

    def job_stored(self, write: JobWrite) -> None:
        """A `JobFeed` subscriber: observe the time spent in the status and step a write just left."""
        left, job = write.before, write.job
        if left is None or left.since is None or not write.moved:
            return
        # `move` stamps `updated_at` with the moment the job left `left`.
        seconds = (job.updated_at - left.since).total_seconds()
        self.step_seconds.labels(left.status.value, left.step.value).observe(seconds)

    def exposition(self, job_counts: JobCounts | None = None) -> bytes:
        """Every metric in Prometheus's text format (see CONTENT_TYPE), with the store's `job_counts` when given."""
        if job_counts is not None:
            self._jobs.update(job_counts)
        return generate_latest(self.registry)
