"""The provider interfaces (text and images) and the factory that picks an implementation.

The service only ever talks to a `TextModel` and an `ImageModel`. Implementations live in
`app/providers/`: OpenAI (any Chat Completions server) and fal.ai FLUX for real work, and the
offline writer and illustrator that need no key and no network. Providers return plain data and
know nothing of jobs or files.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from app.models.records import CastMember, Composition, ImageIntent, SceneFeedback
from app.models.story import ComicScript, PanelPrompt, SceneDraft
from config import Settings
from master_prompts import ArtStyle


class ProviderError(Exception):
    """A provider could not produce a usable answer (after its own retries)."""


@dataclass(frozen=True)
class StoryBrief:
    """What a comic is about."""

    topic: str
    age_group: str
    panel_count: int = 6
    # The cast when the parent picked it before the scenes were written; the writer then uses
    # these characters by name instead of inventing its own.
    cast: tuple[CastMember, ...] = ()


@dataclass(frozen=True)
class CharacterReference:
    """A character's reference picture (full length, alone, plain background) in one art style."""

    character_type: str
    name: str
    data: bytes
    content_type: str


@dataclass(frozen=True)
class ImageRequest:
    """Everything an illustrator may use to draw one panel.

    Real image models only need `prompt`, the size and `seed`; the offline illustrator draws from
    the structured scene, cast and style instead.
    """

    prompt: str
    width: int
    height: int
    seed: int
    scene: SceneDraft
    cast: list[CastMember] = field(default_factory=list)
    style: ArtStyle | None = None
    # Who stands where in this panel (and any extras), from the image-prompt call.
    composition: Composition | None = None
    # The reference pictures of exactly the cast members in this panel; empty: drawn from text alone.
    references: tuple[CharacterReference, ...] = ()
    # Set: this is not a panel but the reference picture of this character (alone, full length,
    # plain background); `scene` is then only a placeholder.
    reference_of: CastMember | None = None
    # A provider request an earlier attempt started (the process may have died while it ran):
    # providers that can, pick it up instead of paying for the same picture again.
    resume_id: str | None = None
    # An earlier attempt was submitting this picture when it stopped, and never learned the id:
    # providers that can, look for that request before submitting again.
    unconfirmed: ImageIntent | None = None
    # Awaited with the seed just before a request is submitted, so the job records the intent first.
    on_submitting: Callable[[int], Awaitable[None]] | None = None
    # Told the provider's request id as soon as there is one, or None when the provider refused
    # the submission (nothing is running: the intent is void).
    on_submitted: Callable[[str | None], Awaitable[None]] | None = None


@dataclass(frozen=True)
class DrawnImage:
    """An image as a provider returns it: the bytes, never just a URL."""

    data: bytes
    content_type: str
    seed: int | None = None
    source_url: str | None = None


class TextModel(Protocol):
    """Writes and rewrites scenes and turns them into image prompts."""

    name: str

    async def write_script(self, brief: StoryBrief) -> ComicScript:
        """A title and `brief.panel_count` scenes numbered 1..n."""
        ...

    async def rewrite_scenes(
        self, brief: StoryBrief, scenes: list[SceneDraft], feedback: list[SceneFeedback]
    ) -> list[SceneDraft]:
        """New versions of exactly the scenes named in `feedback`."""
        ...

    async def write_panel_prompts(
        self, brief: StoryBrief, scenes: list[SceneDraft], cast: list[CastMember], style: ArtStyle
    ) -> list[PanelPrompt]:
        """One image prompt per scene, in one call."""
        ...

    async def aclose(self) -> None:
        """Release network clients."""
        ...


class ImageModel(Protocol):
    """Draws one panel."""

    name: str

    async def draw(self, request: ImageRequest) -> DrawnImage:
        """The image bytes for one panel."""
        ...

    async def aclose(self) -> None:
        """Release network clients."""
        ...


def build_text_model(settings: Settings) -> TextModel:
    """The text provider the settings ask for (OpenAI when a key is set, otherwise offline)."""
    if settings.text_provider == "openai":
        from app.providers.openai_text import OpenAITextModel

        return OpenAITextModel(settings)
    from app.providers.offline_text import OfflineTextModel

    return OfflineTextModel()


def build_image_model(settings: Settings) -> ImageModel:
    """The image provider the settings ask for (fal.ai when a key is set, otherwise offline)."""
    if settings.image_provider_name == "fal":
        from app.providers.fal_images import FalImageModel

        return FalImageModel(settings)
    from app.providers.offline_images import OfflineImageModel

    return OfflineImageModel()
