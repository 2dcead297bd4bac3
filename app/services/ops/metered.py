"""Providers wrapped so that every call is timed and every failure counted, labelled by provider and operation.

The wrappers sit between the services and a `TextModel`, `ImageModel` or `Moderator`: the
providers stay plain (they know nothing of metrics), the services call the same interface, and the
metrics are handed over explicitly when the container builds them, rather than found through a
context variable.

A call cancelled from outside (a cancel request, the caller's own time limit) counts as neither a
latency nor a failure: it says nothing about the provider. The OpenAI moderator falls back to the
word list instead of failing, so its failures show in the log, not here.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Iterable, Sequence
from typing import Generic, TypeVar

from app.models.records import CastMember, SceneFeedback
from app.models.story import ComicScript, PanelPrompt, SceneDraft
from app.providers.moderation import Moderator, Verdict
from app.services.ops.metrics import Metrics
from external_services import DrawnImage, ImageModel, ImageRequest, StoryBrief, TextModel
from master_prompts import ArtStyle

T = TypeVar("T")
P = TypeVar("P", TextModel, ImageModel, Moderator)

# The word list is the offline moderator: labelled so, like the other built-in providers.
_PROVIDER_LABEL = {"wordlist": "offline"}


class ProviderMeter:
    """Times one provider's calls and counts their failures, per operation."""

    def __init__(self, metrics: Metrics, provider: str, operations: Iterable[str]) -> None:
        provider = _PROVIDER_LABEL.get(provider, provider)
        # Made up front, so every series exists from the start (at 0) and a call costs no label lookup.
        self._seconds = {op: metrics.provider_seconds.labels(provider, op) for op in operations}
        self._failures = {op: metrics.provider_failures.labels(provider, op) for op in operations}

    async def run(self, operation: str, call: Awaitable[T]) -> T:
        """Await `call`, recording how long it took and whether it failed."""
        started = time.perf_counter()
        cancelled = False
        try:
            return await call
        except asyncio.CancelledError:
            cancelled = True
            raise
        except Exception:
            self._failures[operation].inc()
            raise
        finally:
            if not cancelled:
                self._seconds[operation].observe(time.perf_counter() - started)


class _Metered(Generic[P]):
    """What every wrapper shares: the wrapped provider's name, its meter, and closing it."""

    operations: tuple[str, ...] = ()

    def __init__(self, inner: P, metrics: Metrics) -> None:
        self.name = inner.name
        self._inner = inner
        self._meter = ProviderMeter(metrics, inner.name, self.operations)

    async def aclose(self) -> None:
        """Close the wrapped provider."""
        await self._inner.aclose()


class MeteredText(_Metered[TextModel]):
    """A `TextModel` whose calls are metered."""

    operations = ("write_script", "rewrite_scenes", "write_panel_prompts")

    async def write_script(self, brief: StoryBrief) -> ComicScript:
        """As the wrapped provider's."""
        return await self._meter.run("write_script", self._inner.write_script(brief))

    async def rewrite_scenes(
        self, brief: StoryBrief, scenes: list[SceneDraft], feedback: list[SceneFeedback]
    ) -> list[SceneDraft]:
        """As the wrapped provider's."""
        return await self._meter.run("rewrite_scenes", self._inner.rewrite_scenes(brief, scenes, feedback))

    async def write_panel_prompts(
        self, brief: StoryBrief, scenes: list[SceneDraft], cast: list[CastMember], style: ArtStyle
    ) -> list[PanelPrompt]:
        """As the wrapped provider's."""
        return await self._meter.run("write_panel_prompts", self._inner.write_panel_prompts(brief, scenes, cast, style))


class MeteredImages(_Metered[ImageModel]):
    """An `ImageModel` whose calls are metered and whose pictures are counted, panels apart from references."""

    operations = ("draw_panel", "draw_reference")

    def __init__(self, inner: ImageModel, metrics: Metrics) -> None:
        super().__init__(inner, metrics)
        self._drawn = {kind: metrics.images_drawn.labels(inner.name, kind) for kind in ("panel", "reference")}

    async def draw(self, request: ImageRequest) -> DrawnImage:
        """As the wrapped provider's."""
        kind = "reference" if request.reference_of is not None else "panel"
        image = await self._meter.run(f"draw_{kind}", self._inner.draw(request))
        self._drawn[kind].inc()
        return image


class MeteredModerator(_Metered[Moderator]):
    """A `Moderator` whose checks are metered."""

    operations = ("moderate",)

    async def check(self, texts: Sequence[str]) -> list[Verdict]:
        """As the wrapped moderator's."""
        return await self._meter.run("moderate", self._inner.check(texts))
