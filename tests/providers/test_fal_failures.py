"""fal.ai's kinds of failure: a failed run is drawn again, a lost answer looked up, a refusal reported.

The real `fal_client` SDK against the local fake fal.ai server, which fails on its knobs the ways
fal.ai does (see tests/fakes/fal_server.py).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Literal

import pytest

from app.models.records import ImageIntent
from config import Settings
from external_services import ProviderError
from tests.conftest import MakeSettings
from tests.fakes.fal_server import FakeFal
from tests.utils.fal_calls import REQUEST, Recorder, draw
from utils import utcnow

pytestmark = pytest.mark.anyio


def _ids(fal: FakeFal) -> list[str]:
    return [s["request_id"] for s in fal.submissions]


def _pairs(ids: Sequence[str]) -> list[tuple[str, object]]:
    """The events of submitting each of `ids` in turn, each intent recorded before its id."""
    return [event for request_id in ids for event in (("submitting", 7), ("submitted", request_id))]


@pytest.fixture
def quick(make_real_settings: MakeSettings) -> Settings:
    return make_real_settings(retry_base_delay_seconds=0.01)


async def test_a_failed_run_is_submitted_again_as_a_new_request_with_the_same_seed(
    quick: Settings, fake_fal: FakeFal
) -> None:
    fake_fal.fail_next = 1
    recorder = Recorder()
    await draw(quick, recorder.on(REQUEST))
    failed, drawn = _ids(fake_fal)
    assert fake_fal.failed == [failed]
    assert [s["arguments"]["seed"] for s in fake_fal.submissions] == [7, 7]
    assert recorder.events == _pairs([failed, drawn])  # the new request's intent recorded first, like the first's
    assert fake_fal.result_fetches[failed] == 1  # its failed result was not asked for again and again


async def test_runs_failing_every_time_fail_clearly_after_retry_attempts(
    make_real_settings: MakeSettings, fake_fal: FakeFal
) -> None:
    settings = make_real_settings(retry_attempts=3, retry_base_delay_seconds=0.01)
    fake_fal.fail_next = 10
    with pytest.raises(ProviderError, match=r"runner_server_error.*3 requests with seed 7 failed"):
        await draw(settings, REQUEST)
    assert len(fake_fal.submissions) == 3


async def test_a_run_the_model_refused_is_not_submitted_again(quick: Settings, fake_fal: FakeFal) -> None:
    fake_fal.fail_next, fake_fal.failure_status = 1, 422
    with pytest.raises(
        ProviderError, match=r"refused to draw this picture \(HTTP 422\): prompt: The prompt was flagged"
    ):
        await draw(quick, REQUEST)
    assert len(fake_fal.submissions) == 1


async def test_a_refused_submission_fails_with_fals_message(quick: Settings, fake_fal: FakeFal) -> None:
    fake_fal.fail_statuses = [422]
    recorder = Recorder()
    with pytest.raises(ProviderError, match=r"fal.ai refused the request \(HTTP 422\): Injected failure"):
        await draw(quick, recorder.on(REQUEST))
    assert recorder.events == [("submitting", 7), ("submitted", None)]  # nothing was queued: the intent is void
    assert fake_fal.listings == 0  # and nothing was looked for


async def test_a_rate_limited_submission_is_simply_sent_again(quick: Settings, fake_fal: FakeFal) -> None:
    fake_fal.fail_statuses = [429, 429]
    recorder = Recorder()
    await draw(quick, recorder.on(REQUEST))
    assert fake_fal.rejected == [429, 429]
    assert recorder.events == _pairs(_ids(fake_fal))  # one intent: a 429 queues nothing
    assert fake_fal.listings == 0


@pytest.mark.parametrize("fault", [502, "drop"])
async def test_a_lost_submission_answer_is_looked_up_not_sent_again(
    quick: Settings, fake_fal: FakeFal, fault: int | Literal["drop"]
) -> None:
    fake_fal.latency = 0.5  # still running at the first look: listed only once it has ended
    fake_fal.reply_faults = [fault]
    recorder = Recorder()
    await draw(quick, recorder.on(REQUEST))
    [taken] = _ids(fake_fal)  # fal took it once, and was never sent it again
    assert fake_fal.lost_replies == [taken]
    assert fake_fal.listings >= 1
    assert recorder.events == _pairs([taken])  # found, and recorded on the job like an answered one


async def test_a_submission_lost_before_fal_took_it_is_sent_again_once_the_lookup_is_over(
    make_real_settings: MakeSettings, fake_fal: FakeFal
) -> None:
    settings = make_real_settings(image_timeout_seconds=3.0, retry_base_delay_seconds=0.01)
    fake_fal.fail_statuses = [503]  # a 5xx: fal may or may not have queued it (here: not)
    recorder = Recorder()
    started = time.monotonic()
    await draw(settings, recorder.on(REQUEST))
    elapsed = time.monotonic() - started
    assert len(fake_fal.submissions) == 1
    assert fake_fal.listings >= 1
    assert elapsed >= 1.5  # looked for during half of IMAGE_TIMEOUT_SECONDS first
    assert recorder.events == [("submitting", 7), ("submitted", None), *_pairs(_ids(fake_fal))]


async def test_after_a_crash_a_request_that_failed_is_not_collected(
    make_real_settings: MakeSettings, fake_fal: FakeFal
) -> None:
    intent = ImageIntent(seed=7, at=utcnow() - timedelta(seconds=2.5))
    fake_fal.fail_next = 1
    with pytest.raises(ProviderError):  # fal took it and it failed; the process that sent it died
        await draw(make_real_settings(retry_attempts=1), REQUEST)
    recorder = Recorder()
    await draw(make_real_settings(image_timeout_seconds=3.0), recorder.on(REQUEST, intent))
    failed, drawn = _ids(fake_fal)
    assert fake_fal.failed == [failed]
    assert recorder.events == [("submitted", None), *_pairs([drawn])]  # passed over in the listing: drawn anew
