"""A picture whose request id was never recorded is looked up in fal's request listing, not paid for again.

The real `fal_client` SDK and the finder's httpx client against the local fake fal.ai server,
which serves the queue API and the Platform API's request listing.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

import httpx
import pytest

from app.models.records import ImageIntent
from app.providers.fal_images import FalImageModel
from config import Settings
from tests.conftest import MakeSettings
from tests.fakes.fal_server import FakeFal
from tests.utils.fal_calls import REQUEST, Recorder, draw
from utils import utcnow

pytestmark = pytest.mark.anyio


async def test_the_intent_is_recorded_before_fal_gets_the_request(real_settings: Settings, fake_fal: FakeFal) -> None:
    recorder = Recorder()
    seen_at_submit: list[int] = []

    async def submitting(seed: int) -> None:
        seen_at_submit.append(len(fake_fal.submissions))
        await recorder.submitting(seed)

    await draw(real_settings, dataclasses.replace(recorder.on(REQUEST), on_submitting=submitting))
    assert seen_at_submit == [0]  # fal had nothing yet when the job recorded the intent
    [submission] = fake_fal.submissions
    assert recorder.events == [("submitting", 7), ("submitted", submission["request_id"])]


async def test_a_request_fal_took_is_found_and_collected(real_settings: Settings, fake_fal: FakeFal) -> None:
    intent = ImageIntent(seed=7, at=utcnow())
    await draw(real_settings, REQUEST)  # the request a process submitted before it was killed
    [taken] = fake_fal.submissions
    recorder = Recorder()
    await draw(real_settings, recorder.on(REQUEST, intent))
    assert len(fake_fal.submissions) == 1  # not submitted again
    assert recorder.events == [("submitted", taken["request_id"])]  # found, and recorded on the job


async def test_a_request_still_running_is_waited_for(real_settings: Settings, fake_fal: FakeFal) -> None:
    fake_fal.latency = 2.5  # listed once it has ended, like fal's listing
    intent = ImageIntent(seed=7, at=utcnow())
    await _submit_directly(fake_fal, real_settings)  # taken by fal; the process that sent it is gone
    recorder = Recorder()
    await draw(real_settings, recorder.on(REQUEST, intent))
    assert len(fake_fal.submissions) == 1
    assert fake_fal.listings >= 2  # not listed at first: looked for again until it had ended


async def test_a_request_never_sent_is_submitted_once_the_wait_is_over(
    make_real_settings: MakeSettings, fake_fal: FakeFal
) -> None:
    settings = make_real_settings(image_timeout_seconds=3.0)
    intent = ImageIntent(seed=7, at=utcnow() - timedelta(seconds=2.5))  # killed between intent and submit
    recorder = Recorder()
    await draw(settings, recorder.on(REQUEST, intent))
    assert len(fake_fal.submissions) == 1
    assert fake_fal.listings >= 2  # looked until the intent was IMAGE_TIMEOUT_SECONDS old
    assert [event for event, _ in recorder.events] == ["submitted", "submitting", "submitted"]
    assert recorder.events[0] == ("submitted", None)  # nothing found: the intent is void


async def test_an_old_intent_is_looked_up_once(real_settings: Settings, fake_fal: FakeFal) -> None:
    intent = ImageIntent(seed=7, at=utcnow() - timedelta(seconds=real_settings.image_timeout_seconds))
    await draw(real_settings, Recorder().on(REQUEST, intent))
    assert (fake_fal.listings, len(fake_fal.submissions)) == (1, 1)


async def test_a_listing_the_key_cannot_read_falls_back_to_submitting(
    make_real_settings: MakeSettings, fake_fal: FakeFal
) -> None:
    settings = make_real_settings(fal_platform_url=fake_fal.platform_url + "/missing")  # answers 404
    await draw(settings, Recorder().on(REQUEST, ImageIntent(seed=7, at=utcnow())))
    assert len(fake_fal.submissions) == 1


async def test_the_request_is_found_past_the_first_page(real_settings: Settings, fake_fal: FakeFal) -> None:
    intent = ImageIntent(seed=7, at=utcnow())
    await draw(real_settings, REQUEST)
    for n in range(100):  # newer requests of the same endpoint push it onto the listing's second page
        await _submit_directly(fake_fal, real_settings, prompt=f"another comic's panel {n}")
    await asyncio.sleep(0.05)
    before = fake_fal.listings
    await draw(real_settings, Recorder().on(REQUEST, intent))
    assert len(fake_fal.submissions) == 101
    assert fake_fal.listings - before == 2


async def test_a_refused_submission_voids_the_intent(real_settings: Settings, fake_fal: FakeFal) -> None:
    fake_fal.fail_statuses = [422]
    recorder = Recorder()
    model = FalImageModel(real_settings)
    try:
        with pytest.raises(Exception, match="422"):
            await model.draw(recorder.on(REQUEST))
    finally:
        await model.aclose()
    assert recorder.events == [("submitting", 7), ("submitted", None)]


async def _submit_directly(fal: FakeFal, settings: Settings, prompt: str = REQUEST.prompt) -> None:
    """Queue a request on the fake the way fal_client does, without waiting for it."""
    arguments = {"prompt": prompt, "seed": 7, "image_size": {"width": 64, "height": 48}}
    async with httpx.AsyncClient() as http:  # trusts the fake's CA through SSL_CERT_FILE (conftest)
        response = await http.post(
            f"https://{fal.host}/{settings.fal_model}",
            json=arguments,
            headers={"Authorization": f"Key {settings.fal_api_key}"},
        )
        response.raise_for_status()
