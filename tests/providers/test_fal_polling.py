"""Waiting for fal.ai: the poll schedule learns how long images take; the real SDK against the local fake."""

from __future__ import annotations

import time

import pytest

from app.providers.fal_images import FalImageModel
from app.providers.fal_polling import PollSchedule
from config import Settings
from external_services import ImageRequest
from tests.fakes.fal_server import FakeFal
from tests.utils.factories import SCENE_DRAFT

pytestmark = pytest.mark.anyio


def test_until_an_image_is_timed_it_polls_like_fal_client() -> None:
    schedule = PollSchedule()
    assert (schedule.quiet_until(), schedule.fine_interval()) == (0.0, 0.1)


def test_it_waits_for_the_fastest_recent_image_then_polls_finely() -> None:
    schedule = PollSchedule()
    for seconds in (2.4, 2.0, 3.1):
        schedule.record(seconds)
    assert schedule.quiet_until() == pytest.approx(1.9)  # 95 % of the fastest
    assert schedule.fine_interval() == 0.025
    schedule.record(20.0)  # one slow image does not make the next ones wait longer
    assert schedule.quiet_until() == pytest.approx(1.9)
    slow = PollSchedule()
    slow.record(12.0)
    assert slow.fine_interval() == pytest.approx(0.15)  # slow models are polled less often


async def test_learned_polling_asks_less_and_still_answers_promptly(real_settings: Settings, fake_fal: FakeFal) -> None:
    fake_fal.latency = 1.0
    model = FalImageModel(real_settings)
    request = ImageRequest(prompt="Mia at the bus stop", width=64, height=48, seed=7, scene=SCENE_DRAFT)
    try:
        polls = []
        for _ in range(2):
            before, started = fake_fal.status_polls, time.monotonic()
            image = await model.draw(request)
            elapsed = time.monotonic() - started
            polls.append(fake_fal.status_polls - before)
            assert image.data.startswith(b"\x89PNG")
            assert elapsed < 3 * 1.0, f"a 1 s image took {elapsed:.2f} s"  # promptness: the poll counts below
    finally:
        await model.aclose()
    first, learned = polls
    assert first >= 9  # every 0.1 s from the start, as fal_client does
    assert learned <= first - 3, polls
