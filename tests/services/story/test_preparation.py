"""The prompt preparer on its own: crash, cancel and change safe, never writing a stale reply, always billing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from app.models.records import Job, Providers, Scene
from app.models.states import AgeGroup, JobStatus, JobStep
from app.models.story import PanelPrompt, SceneDraft
from app.providers.offline_text import OfflineTextModel
from app.providers.usage import record_llm_call
from app.services.jobs.runner import JobRunner
from app.services.story.preparation import PromptPreparer, fingerprint
from app.storage.data_manager import DataManager
from external_services import StoryBrief
from master_prompts import ArtStyle
from tests.utils.factories import preset_cast_member


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class GatedWriter(OfflineTextModel):
    """The offline writer, held at a gate so a test can change the job while the call is in flight."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.entered = asyncio.Event()  # set once a call is waiting at the gate
        self.calls = 0

    async def write_panel_prompts(
        self, brief: StoryBrief, scenes: list[SceneDraft], cast: list, style: ArtStyle
    ) -> list[PanelPrompt]:
        self.calls += 1
        self.entered.set()
        await self.gate.wait()
        record_llm_call(100)
        return await super().write_panel_prompts(brief, scenes, cast, style)


async def _setup(tmp_path: Path) -> tuple[DataManager, Job]:
    data = DataManager(tmp_path / "data")
    await data.open()
    JobRunner(data)  # registers the usage amender, as the service does
    script = await OfflineTextModel().write_script(StoryBrief("sharing toys", "5-8", panel_count=3))
    job = Job(
        topic="sharing toys",
        age_group=AgeGroup.YOUNG,
        panel_count=3,
        seed=1,
        providers=Providers(text="offline"),
        status=JobStatus.REQUIRES_ACTION,
        step=JobStep.COMIC_GENERATION,
        scenes=[Scene(**s.model_dump()) for s in script.scenes],
        characters=[preset_cast_member("girl_young"), preset_cast_member("parent_mom")],
    )
    await data.create_job(job)
    return data, job


async def _edit(data: DataManager, job: Job) -> Job:
    def change(job: Job) -> None:
        job.scenes[0] = job.scenes[0].model_copy(update={"dialogue": 'Stranger: "Hello there."'})

    return await data.update_job(job.id, change)


@pytest.mark.anyio
async def test_a_reply_for_scenes_that_changed_meanwhile_is_dropped_but_billed(tmp_path: Path) -> None:
    data, job = await _setup(tmp_path)
    writer = GatedWriter()
    preparer = PromptPreparer(data, writer)
    preparer.prepare_soon(job)
    await asyncio.wait_for(writer.entered.wait(), 10)
    await _edit(data, job)  # behind the preparer's back: nobody called prepare_soon again
    billed = asyncio.Event()
    data.feed.subscribe(lambda write: billed.set() if write.job.usage.llm_calls else None)
    writer.gate.set()
    await asyncio.wait_for(billed.wait(), 10)
    stored = await data.get_job(job.id)
    assert stored.prompts_for is None
    assert stored.panel_prompts == {}
    assert stored.usage.llm_calls == 1  # thrown away, but paid for
    assert (stored.status, stored.step) == (JobStatus.REQUIRES_ACTION, JobStep.COMIC_GENERATION)

    ready = await preparer.ready(job.id, [1, 2, 3])  # generate writes them for the scenes as they are
    assert ready.prompts_for == fingerprint(ready)
    assert ready.panel_compositions[1].figure("Stranger") is not None
    assert ready.usage.llm_calls == 1  # generate's call is billed by the runner's meter, not here


@pytest.mark.anyio
async def test_a_new_preparation_replaces_one_in_flight_and_ready_awaits_it(tmp_path: Path) -> None:
    data, job = await _setup(tmp_path)
    writer = GatedWriter()
    preparer = PromptPreparer(data, writer)
    preparer.prepare_soon(job)
    preparer.prepare_soon(job)  # the same inputs: no second call
    await asyncio.wait_for(writer.entered.wait(), 10)
    edited = await _edit(data, job)
    preparer.prepare_soon(edited)  # new inputs: the first one is stopped
    waiting = asyncio.create_task(preparer.ready(job.id, [1, 2, 3]))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    writer.gate.set()
    ready = await waiting
    assert writer.calls == 2
    assert ready.prompts_for == fingerprint(edited)
    assert ready.usage.llm_calls == 1  # the stopped call never answered


@pytest.mark.anyio
async def test_shutdown_mid_call_leaves_the_job_as_it_was(tmp_path: Path) -> None:
    data, job = await _setup(tmp_path)
    before = await data.get_job(job.id)
    writer = GatedWriter()
    preparer = PromptPreparer(data, writer)
    preparer.prepare_soon(job)
    await asyncio.wait_for(writer.entered.wait(), 10)
    await preparer.shutdown()  # as at a restart: nothing half written
    after = await data.get_job(job.id)
    assert after.model_dump(exclude={"updated_at"}) == before.model_dump(exclude={"updated_at"})
