"""Warming up the providers: first-use work done in a worker thread after start-up, not on the event loop."""

from __future__ import annotations

import asyncio
import gc
import threading
import time

import pytest
from fastapi.testclient import TestClient

from app.models.story import ComicScript, PanelPrompts, SceneRewrites
from app.providers.openai_text import OpenAITextModel
from app.services.ops.warm_up import start_warm_up, warm_up
from external_services import StoryBrief
from tests.conftest import MakeSettings
from tests.fakes.openai_server import FakeOpenAI
from tests.utils.response_formats import count_response_formats

pytestmark = pytest.mark.anyio


class _Part:
    def __init__(self) -> None:
        self.threads: list[int] = []

    def warm_up(self) -> None:
        self.threads.append(threading.get_ident())


class _Broken:
    def warm_up(self) -> None:
        raise RuntimeError("no luck")


async def test_parts_warm_up_in_a_worker_thread_once_start_up_is_done() -> None:
    started = asyncio.Event()
    part, plain = _Part(), object()  # a part without warm_up() is left alone

    async def start_up() -> None:
        await started.wait()

    task = asyncio.create_task(warm_up(start_up(), [plain, part]))
    await asyncio.sleep(0.05)
    assert part.threads == []  # start-up is not done yet
    started.set()
    await asyncio.wait_for(task, 10)
    assert len(part.threads) == 1
    assert part.threads[0] != threading.get_ident()


async def test_what_start_up_loaded_is_frozen_out_of_garbage_collection() -> None:
    gc.unfreeze()
    try:
        await asyncio.wait_for(warm_up(asyncio.sleep(0), [_Part()]), 10)
        assert gc.get_freeze_count() > 10_000  # the modules, classes and functions loaded so far
    finally:
        gc.unfreeze()  # the rest of the suite runs with the collector as usual


async def test_a_failed_warm_up_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    async def done() -> None:
        return None

    task = start_warm_up(done(), [_Broken()])
    await asyncio.wait([task])
    await asyncio.sleep(0)  # let the done callback run
    assert "warming up the providers failed" in caplog.text


async def test_the_text_model_makes_its_response_formats_when_warmed_up_not_at_the_first_request(
    make_settings: MakeSettings, fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = count_response_formats(monkeypatch)
    settings = make_settings(
        llm_provider="openai", openai_api_key="sk-test-local", openai_base_url=fake_openai.base_url
    )
    model = OpenAITextModel(settings)
    await asyncio.to_thread(model.warm_up)
    assert sorted(schema.__name__ for schema in made) == sorted(
        schema.__name__ for schema in (ComicScript, PanelPrompts, SceneRewrites)
    )
    made.clear()
    await model.write_script(StoryBrief(topic="fire safety at home", age_group="5-8"))
    await model.aclose()
    assert made == []


def test_the_service_warms_its_providers_up_after_start_up(real_client: TestClient) -> None:
    services = real_client.app.state.services
    deadline = time.monotonic() + 30
    while not services.warming.done() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert services.warming.done()
    assert services.warming.exception() is None
    assert len(services.text._formats) == 3
