"""Usage reaches a job through the writes a step passes through `billed`, and only those."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.providers.usage import metering, record_image, record_llm_call
from app.services.jobs.runner import billed
from tests.utils.gates import store_panel
from tests.utils.stores import open_with_drawing_job

pytestmark = pytest.mark.anyio


async def test_a_billed_write_carries_what_the_meter_counted_since_the_last_one(tmp_path: Path) -> None:
    data, job = await open_with_drawing_job(tmp_path / "data")
    with metering():
        record_image()
        record_llm_call(120)
        plain = await data.update_job(job.id, store_panel)
        assert (plain.usage.images, plain.usage.llm_calls) == (0, 0)  # not passed through billed: not billed

        first = await data.update_job(job.id, billed(store_panel))
        record_image()
        second = await data.update_job(job.id, billed(store_panel))
        third = await data.update_job(job.id, billed(store_panel))  # nothing new counted

    assert (first.usage.images, first.usage.llm_calls, first.usage.llm_tokens) == (1, 1, 120)
    assert second.usage.images == third.usage.images == 2
    assert len(third.panels) == 4


async def test_outside_a_meter_billed_is_the_change_alone(tmp_path: Path) -> None:
    data, job = await open_with_drawing_job(tmp_path / "data")
    record_image()  # no meter: counted nowhere
    stored = await data.update_job(job.id, billed(store_panel))
    assert len(stored.panels) == 1
    assert stored.usage == job.usage
