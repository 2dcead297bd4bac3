"""The metrics: a registry per app, job counts read from the index at scrape time, step durations
observed on transitions, and providers metered by provider and operation."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from app.models.records import Job
from app.models.states import JobStatus, JobStep
from app.models.story import ComicScript
from app.models.transitions import move
from app.providers.word_list import WordListModerator
from app.services.ops.metered import MeteredImages, MeteredModerator, MeteredText
from app.services.ops.metrics import Metrics
from app.storage.data_manager import DataManager
from app.storage.job_feed import JobState, JobWrite
from external_services import DrawnImage, ImageRequest, ProviderError, StoryBrief
from tests.utils.factories import SCENE_DRAFT, preset_cast_member
from tests.utils.metrics import sample
from tests.utils.stores import add_unfinished_job, tiny_png

pytestmark = pytest.mark.anyio

BRIEF = StoryBrief(topic="sharing toys", age_group="5-8")


def _metrics() -> Metrics:
    return Metrics("test-instance")


def _scrape(metrics: Metrics) -> str:
    return metrics.exposition().decode()


async def _scrape_jobs(metrics: Metrics, data: DataManager) -> str:
    return metrics.exposition(await data.job_counts()).decode()


class _FailingText:
    name = "openai"

    async def write_script(self, brief: StoryBrief) -> ComicScript:
        raise ProviderError("OpenAI chat failed after 4 attempt(s): 500")


class _HangingText:
    name = "openai"

    async def write_script(self, brief: StoryBrief) -> ComicScript:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


class _Illustrator:
    name = "fal"

    async def draw(self, request: ImageRequest) -> DrawnImage:
        return DrawnImage(data=tiny_png(), content_type="image/png")


def test_two_apps_in_one_process_keep_their_own_metrics() -> None:
    first, second = _metrics(), _metrics()  # the same names twice: no clash in the global registry
    first.images_drawn.labels("fal", "panel").inc()
    assert sample(_scrape(first), "fable_images_drawn_total", provider="fal", kind="panel") == 1
    assert sample(_scrape(second), "fable_images_drawn_total", provider="fal", kind="panel") is None
    assert sample(_scrape(first), "target_info", instance_id="test-instance") == 1


async def test_job_counts_come_from_the_store_at_each_scrape(tmp_path: Path) -> None:
    data = DataManager(tmp_path / "data")
    await data.open()
    metrics = _metrics()
    job = await add_unfinished_job(data)
    assert sample(await _scrape_jobs(metrics, data), "fable_jobs", status="requires_action", step="scene_review") == 1

    await data.update_job(job.id, _refine)
    text = await _scrape_jobs(metrics, data)
    assert sample(text, "fable_jobs", status="requires_action", step="scene_review") == 0
    assert sample(text, "fable_jobs", status="processing", step="refining_scenes") == 1


async def test_a_step_is_timed_when_the_job_leaves_it_and_only_then(tmp_path: Path) -> None:
    data = DataManager(tmp_path / "data")
    await data.open()
    metrics = _metrics()
    data.feed.subscribe(metrics.job_stored)
    job = await add_unfinished_job(data)
    left = {"status": "requires_action", "step": "scene_review"}

    await data.update_job(job.id, _touch)  # a write within the step
    assert sample(_scrape(metrics), "fable_job_step_duration_seconds_count", **left) is None

    stored = await data.update_job(job.id, _refine)
    text = _scrape(metrics)
    assert sample(text, "fable_job_step_duration_seconds_count", **left) == 1
    # add_unfinished_job dates the job (and so its first history entry) in March 2026.
    expected = (stored.updated_at - job.created_at).total_seconds()
    assert sample(text, "fable_job_step_duration_seconds_sum", **left) == pytest.approx(expected)

    await data.update_job(job.id, _touch)
    assert sample(_scrape(metrics), "fable_job_step_duration_seconds_count", **left) == 1


def test_the_step_timer_reads_the_state_before_the_write_not_timestamps() -> None:
    metrics = _metrics()
    job = Job(topic="t", age_group="5-8", seed=1, providers={"text": "offline"})  # pending/generating_scenes
    entered = job.created_at - timedelta(seconds=30)
    job.record_state(job.updated_at)  # a last history entry stamped like the write: no move for all that
    metrics.job_stored(JobWrite(job, JobState(job.status, job.step, entered)))
    assert sample(_scrape(metrics), "fable_job_step_duration_seconds_count", status="pending") is None

    left = JobState(JobStatus.REQUIRES_ACTION, JobStep.SCENE_REVIEW, entered)
    metrics.job_stored(JobWrite(job, left))
    text = _scrape(metrics)
    labels = {"status": "requires_action", "step": "scene_review"}
    assert sample(text, "fable_job_step_duration_seconds_count", **labels) == 1
    assert sample(text, "fable_job_step_duration_seconds_sum", **labels) == pytest.approx(
        (job.updated_at - entered).total_seconds()
    )
    metrics.job_stored(JobWrite(job, None))  # created: left nothing
    assert sample(_scrape(metrics), "fable_job_step_duration_seconds_count", **labels) == 1


async def test_a_failing_provider_counts_a_failure_and_its_time() -> None:
    metrics = _metrics()
    text = MeteredText(_FailingText(), metrics)  # type: ignore[arg-type]
    with pytest.raises(ProviderError):
        await text.write_script(BRIEF)
    scraped = _scrape(metrics)
    labels = {"provider": "openai", "operation": "write_script"}
    assert sample(scraped, "fable_provider_call_failures_total", **labels) == 1
    assert sample(scraped, "fable_provider_call_duration_seconds_count", **labels) == 1
    # Every operation's series exists from the start, so a first failure shows as a rise from 0.
    assert sample(scraped, "fable_provider_call_failures_total", provider="openai", operation="rewrite_scenes") == 0


async def test_a_cancelled_call_is_neither_a_failure_nor_a_latency() -> None:
    metrics = _metrics()
    text = MeteredText(_HangingText(), metrics)  # type: ignore[arg-type]
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.05):  # as draw_picture limits a panel's time
            await text.write_script(BRIEF)
    scraped = _scrape(metrics)
    labels = {"provider": "openai", "operation": "write_script"}
    assert sample(scraped, "fable_provider_call_failures_total", **labels) == 0
    assert sample(scraped, "fable_provider_call_duration_seconds_count", **labels) == 0


async def test_pictures_are_counted_as_panels_or_references() -> None:
    metrics = _metrics()
    images = MeteredImages(_Illustrator(), metrics)  # type: ignore[arg-type]
    panel = ImageRequest(prompt="p", width=768, height=512, seed=1, scene=SCENE_DRAFT)
    reference = ImageRequest(
        prompt="r", width=512, height=768, seed=2, scene=SCENE_DRAFT, reference_of=preset_cast_member("girl_young")
    )
    for request in (panel, panel, reference):
        await images.draw(request)
    scraped = _scrape(metrics)
    assert sample(scraped, "fable_images_drawn_total", provider="fal", kind="panel") == 2
    assert sample(scraped, "fable_images_drawn_total", provider="fal", kind="reference") == 1
    assert sample(scraped, "fable_provider_call_duration_seconds_count", provider="fal", operation="draw_panel") == 2


async def test_the_word_list_is_labelled_as_the_offline_provider() -> None:
    metrics = _metrics()
    await MeteredModerator(WordListModerator(), metrics).check(["a kind story about sharing"])
    labels = {"provider": "offline", "operation": "moderate"}
    assert sample(_scrape(metrics), "fable_provider_call_duration_seconds_count", **labels) == 1


def _refine(job: Job) -> None:
    move(job, JobStatus.PROCESSING, step=JobStep.REFINING_SCENES)


def _touch(job: Job) -> None:
    job.progress += 1
