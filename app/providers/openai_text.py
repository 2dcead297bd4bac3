"""The OpenAI text provider: Chat Completions with structured outputs.

Chat Completions (not the Responses API) so that any OpenAI-compatible server works: Ollama,
vLLM, LM Studio, or the fake in the tests, selected with OPENAI_BASE_URL.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import openai
from openai.lib._parsing._completions import type_to_response_format_param
from openai.types.chat import ChatCompletion
from openai.types.chat.completion_create_params import ResponseFormat
from pydantic import BaseModel, ValidationError

import master_prompts
from app.models.records import CastMember, SceneFeedback
from app.models.story import (
    ComicScript,
    PanelPrompt,
    PanelPrompts,
    SceneDraft,
    SceneRewrites,
    check_prompt_ids,
    check_scene_ids,
)
from app.providers.composition import check_stagings
from app.providers.retry import RETRY_STATUSES, Retryable, RetryPolicy, retry_after_seconds, retrying
from app.providers.usage import record_llm_call
from config import Settings
from external_services import ProviderError, StoryBrief
from master_prompts import ArtStyle

log = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)
R = TypeVar("R")

# One retry on a reply that does not validate; transport errors (429, 5xx, timeouts) are retried
# with backoff by the SDK itself, `max_retries` times.
_ATTEMPTS = 2


class OpenAITextModel:
    """Writes scenes and image prompts with an OpenAI(-compatible) chat model."""

    name = "openai"

    def __init__(self, settings: Settings) -> None:
        if not settings.openai_key and not settings.openai_base_url:
            raise ProviderError("LLM_PROVIDER=openai needs OPENAI_API_KEY (or OPENAI_BASE_URL for a local server)")
        self.model = settings.openai_model
        self._client = openai.AsyncOpenAI(
            # Local OpenAI-compatible servers ignore the key, but the SDK insists on one.
            api_key=settings.openai_key or "unused",
            base_url=settings.openai_base_url,
            timeout=settings.llm_timeout_seconds,
            max_retries=0,  # retries live in app/providers/retry.py, the same policy for every provider
        )
        self._policy = RetryPolicy(
            attempts=settings.retry_attempts,
            base_delay=settings.retry_base_delay_seconds,
            total_seconds=settings.retry_total_seconds,
        )
        # Schema -> the `response_format` sent for it. `completions.parse()` builds it again on every
        # call (the model's JSON schema, made strict): 1-12 ms of event-loop time per call on the
        # benchmark machine, for a value that never changes.
        self._formats: dict[type[BaseModel], ResponseFormat] = {}

    def warm_up(self) -> None:
        """Do ahead, in a worker thread, what the first request would do on the event loop.

        The SDK imports its chat resources on first use (0.1-0.7 s of imports on the benchmark
        machine, every request of the server waiting), and each response format is made once.
        """
        _ = self._client.chat.completions  # a lazy import in the SDK
        for schema in (ComicScript, SceneRewrites, PanelPrompts):
            self._response_format(schema)

    async def write_script(self, brief: StoryBrief) -> ComicScript:
        """A title and `brief.panel_count` scenes numbered 1..n."""
        cast = [{"name": member.name, "description": member.description} for member in brief.cast]
        messages = master_prompts.script_messages(brief.topic, brief.age_group, brief.panel_count, cast)
        expected = list(range(1, brief.panel_count + 1))

        def check(script: ComicScript) -> ComicScript:
            return script.model_copy(update={"scenes": check_scene_ids(script.scenes, expected)})

        return await self._ask(messages, ComicScript, check)

    async def rewrite_scenes(
        self, brief: StoryBrief, scenes: list[SceneDraft], feedback: list[SceneFeedback]
    ) -> list[SceneDraft]:
        """New versions of exactly the scenes named in `feedback`."""
        messages = master_prompts.rewrite_messages(
            brief.topic,
            brief.age_group,
            [scene.model_dump() for scene in scenes],
            [item.model_dump() for item in feedback],
        )
        expected = [item.scene_id for item in feedback]
        return await self._ask(messages, SceneRewrites, lambda r: check_scene_ids(r.scenes, expected))

    async def write_panel_prompts(
        self, brief: StoryBrief, scenes: list[SceneDraft], cast: list[CastMember], style: ArtStyle
    ) -> list[PanelPrompt]:
        """One image prompt per scene with who stands where and who speaks, in one call, checked against the cast."""
        messages = master_prompts.panel_prompt_messages(
            brief.topic,
            [scene.model_dump() for scene in scenes],
            [{"name": member.name, "description": member.description} for member in cast],
            style,
        )
        expected = [scene.scene_id for scene in scenes]

        def check(reply: PanelPrompts) -> list[PanelPrompt]:
            return check_stagings(check_prompt_ids(reply.prompts, expected), scenes, cast)

        return await self._ask(messages, PanelPrompts, check)

    async def _ask(self, messages: list[dict[str, str]], schema: type[T], check: Callable[[T], R]) -> R:
        problem = "no reply"
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                completion = await retrying(lambda: self._create(messages, schema), self._policy, "OpenAI request")
            except openai.OpenAIError as exc:  # HTTP errors after the retries
                raise ProviderError(f"OpenAI request failed: {exc}") from exc
            record_llm_call(completion.usage.total_tokens if completion.usage else 0)
            choice = completion.choices[0]
            if choice.finish_reason in ("length", "content_filter"):  # what `parse()` raised on
                raise ProviderError(f"OpenAI request failed: the reply was cut off ({choice.finish_reason})")
            if choice.message.refusal:
                raise ProviderError(f"the model refused: {choice.message.refusal}")
            try:
                if not choice.message.content:
                    raise ValueError("empty reply")
                return check(schema.model_validate_json(choice.message.content))
            except ValidationError as exc:  # the reply's JSON did not fit the schema
                problem = f"reply did not match {schema.__name__}: {exc}"
            except ValueError as exc:  # it did, but not the scenes asked for
                problem = str(exc)
            log.warning("invalid %s from %s (attempt %d): %s", schema.__name__, self.model, attempt, problem)
        raise ProviderError(f"the model returned invalid {schema.__name__} twice: {problem}")

    async def _create(self, messages: list[dict[str, str]], schema: type[T]) -> ChatCompletion:
        # `create` with the schema's response format made once, not `parse`, which makes it on every call
        # (the request is the same: `type_to_response_format_param` is what `parse` sends).
        return await transient_openai(
            self._client.chat.completions.create(
                model=self.model, messages=messages, response_format=self._response_format(schema)
            )
        )

    def _response_format(self, schema: type[BaseModel]) -> ResponseFormat:
        if schema not in self._formats:
            self._formats[schema] = type_to_response_format_param(schema)  # type: ignore[assignment]
        return self._formats[schema]

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.close()


async def transient_openai(call: Awaitable[R]) -> R:
    """Await an `openai` SDK call, turning its transient failures (connection, timeout, 429, 5xx) into `Retryable`."""
    try:
        return await call
    except openai.APIConnectionError as exc:  # includes timeouts
        raise Retryable(exc) from exc
    except openai.APIStatusError as exc:
        if exc.status_code in RETRY_STATUSES:
            raise Retryable(exc, retry_after_seconds(exc.response.headers)) from exc
        raise
