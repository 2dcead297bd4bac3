"""The OpenAI text provider through the real SDK against the local fake: the structured-output
request it sends, made once per schema, and how it treats replies the model cut off."""

from __future__ import annotations

import pytest
from openai.lib._parsing._completions import type_to_response_format_param

from app.models.story import ComicScript
from app.providers.openai_text import OpenAITextModel
from external_services import ProviderError, StoryBrief
from tests.conftest import MakeSettings
from tests.fakes.openai_server import FakeOpenAI
from tests.utils.response_formats import count_response_formats

pytestmark = pytest.mark.anyio

BRIEF = StoryBrief(topic="teach my kid not to accept candy from strangers", age_group="5-8")


@pytest.fixture
def model(make_settings: MakeSettings, fake_openai: FakeOpenAI) -> OpenAITextModel:
    settings = make_settings(
        llm_provider="openai", openai_api_key="sk-test-local", openai_base_url=fake_openai.base_url
    )
    return OpenAITextModel(settings)


async def test_the_response_format_is_what_parse_sends_and_is_made_once_per_schema(
    model: OpenAITextModel, fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = count_response_formats(monkeypatch)
    first = await model.write_script(BRIEF)
    await model.write_script(BRIEF)
    await model.aclose()

    assert made == [ComicScript]  # two requests, one schema made
    assert len(first.scenes) == 6
    requests = fake_openai.requests_for("ComicScript")
    assert len(requests) == 2
    sent = [request["response_format"] for request in requests]
    assert sent == [type_to_response_format_param(ComicScript)] * 2


async def test_a_reply_cut_off_at_the_token_limit_fails_clearly_without_a_second_try(
    model: OpenAITextModel, fake_openai: FakeOpenAI
) -> None:
    fake_openai.cut_off_replies = 1
    with pytest.raises(ProviderError, match=r"cut off \(length\)"):
        await model.write_script(BRIEF)
    await model.aclose()
    assert len(fake_openai.requests_for("ComicScript")) == 1


async def test_a_reply_that_is_not_the_schema_is_asked_for_again(
    model: OpenAITextModel, fake_openai: FakeOpenAI
) -> None:
    fake_openai.invalid_replies = 1
    script = await model.write_script(BRIEF)
    await model.aclose()
    assert len(script.scenes) == 6
    assert len(fake_openai.requests_for("ComicScript")) == 2
