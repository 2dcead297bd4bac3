"""Content safety: the `Moderator` interface, the OpenAI moderation endpoint, and the factory.

The audience is children, so topics, feedback and generated scenes are screened before they reach
a page. With OpenAI as the text provider the screening is OpenAI's moderation endpoint
(`omni-moderation-latest`); otherwise it is the local word list in `app/providers/word_list.py`.
An OpenAI-compatible server without a moderation endpoint (Ollama, vLLM, ...), or a moderation
call that still fails after its retries, falls back to the word list, with a warning in the log:
text is never let through unscreened.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from pydantic import BaseModel

from app.providers.retry import RetryPolicy, retrying
from config import Settings
from external_services import ProviderError

log = logging.getLogger(__name__)

MODERATION_MODEL = "omni-moderation-latest"


@dataclass(frozen=True)
class Verdict:
    """What a moderator thinks of one text."""

    flagged: bool
    categories: tuple[str, ...] = ()  # e.g. "violence/graphic"; OpenAI's names, plus "profanity" offline
    matches: tuple[str, ...] = ()  # the words that matched (word list only; OpenAI does not say)

    def reason(self) -> str:
        """The categories, and the words when known: `violence/graphic ("decapitated")`."""
        text = ", ".join(self.categories) or "unsafe content"
        if self.matches:
            text += " (" + ", ".join(f'"{word}"' for word in self.matches) + ")"
        return text


class Moderator(Protocol):
    """Decides whether texts are suitable for a children's comic."""

    name: str

    async def check(self, texts: Sequence[str]) -> list[Verdict]:
        """One verdict per text, in order."""
        ...

    async def aclose(self) -> None:
        """Release network clients."""
        ...


class _Result(BaseModel):
    """What we read of one moderation result: the rest of OpenAI's answer is not looked at."""

    flagged: bool
    categories: dict[str, bool | None] = {}  # OpenAI's category names ("self-harm/instructions") -> flagged


class _Reply(BaseModel):
    """The moderation endpoint's answer, as far as we read it."""

    results: list[_Result]


class OpenAIModerator:
    """OpenAI's moderation endpoint, through the same kind of client as the text provider."""

    name = "openai"

    def __init__(self, settings: Settings) -> None:
        # Imported here, not at the top: `openai` takes ~0.5 s to import, and offline it is never used.
        import openai

        from app.providers.word_list import WordListModerator

        self._client = openai.AsyncOpenAI(
            api_key=settings.openai_key or "unused",
            base_url=settings.openai_base_url,
            timeout=settings.llm_timeout_seconds,
            max_retries=0,  # retries live in app/providers/retry.py
        )
        self._policy = RetryPolicy(
            attempts=settings.retry_attempts,
            base_delay=settings.retry_base_delay_seconds,
            total_seconds=settings.retry_total_seconds,
        )
        self._fallback = WordListModerator()
        self._endpoint_missing = False

    def warm_up(self) -> None:
        """Import, in a worker thread, what the SDK would import on the event loop at the first check."""
        _ = self._client.moderations  # a lazy import in the SDK

    async def check(self, texts: Sequence[str]) -> list[Verdict]:
        """One verdict per text, from one moderation request (the word list's when that is impossible)."""
        import openai  # loaded by __init__ already

        if not texts:
            return []
        if not self._endpoint_missing:
            try:
                response = await retrying(lambda: self._create(list(texts)), self._policy, "OpenAI moderation")
                return [_verdict(result) for result in response.results]
            except openai.NotFoundError as exc:
                # An OpenAI-compatible server without /moderations: it will not grow one while we run.
                self._endpoint_missing = True
                log.warning("the text server has no moderation endpoint (%s); using the local word list", exc)
            except (ProviderError, openai.OpenAIError, ValueError) as exc:
                log.warning("OpenAI moderation failed (%s); screening with the local word list instead", exc)
        return self._fallback.check_now(texts)

    async def _create(self, texts: list[str]) -> _Reply:
        from app.providers.openai_text import transient_openai  # imports openai: loaded by __init__ already

        # The raw answer, read into our own small model: the SDK builds its `ModerationCreateResponse`
        # with `construct_type`, pure Python that walks the type hints of every category of every
        # result, 20-38 ms of event-loop time for a comic's seven scene texts on the benchmark
        # machine (pydantic reads the same JSON in 0.04 ms).
        raw = await transient_openai(
            self._client.moderations.with_raw_response.create(model=MODERATION_MODEL, input=texts)
        )
        response = _Reply.model_validate_json(raw.content)  # a ValidationError is a ValueError: see check()
        if len(response.results) != len(texts):
            raise ValueError(f"{len(response.results)} moderation results for {len(texts)} inputs")
        return response

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.close()


def _verdict(result: _Result) -> Verdict:
    # The wire's category names are OpenAI's own ("self-harm/instructions"), not the SDK's field names.
    return Verdict(flagged=result.flagged, categories=tuple(name for name, on in result.categories.items() if on))


def build_moderator(settings: Settings) -> Moderator:
    """OpenAI's moderation when the text provider is OpenAI, otherwise the offline word list."""
    if settings.text_provider == "openai":
        return OpenAIModerator(settings)
    from app.providers.word_list import WordListModerator

    return WordListModerator()
