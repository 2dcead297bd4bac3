"""Content safety in the workflow: refuse unsafe input, and regenerate unsafe generated text once.

A parent's topic or feedback that the moderator flags is refused with `UnsafeContent` (422) before
anything is stored or any paid call is made. Generated scenes are screened as soon as they are
written; flagged ones are written once more, and if the second version is flagged too the step
fails with a readable error (the job's `error`), so nothing unsuitable ever reaches a page.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from app.errors import UnsafeContent
from app.models.story import SceneDraft
from app.providers.moderation import Moderator, Verdict

log = logging.getLogger("fable.jobs")

T = TypeVar("T")

# Labelled texts: ("scene 3", "its title, description, dialogue ...").
Texts = list[tuple[str, str]]


async def _flagged(moderator: Moderator, texts: Texts) -> list[tuple[str, Verdict]]:
    verdicts = await moderator.check([text for _, text in texts])
    return [(label, verdict) for (label, _), verdict in zip(texts, verdicts, strict=True) if verdict.flagged]


def _describe(flagged: list[tuple[str, Verdict]]) -> tuple[str, tuple[str, ...]]:
    reasons = "; ".join(f"{label}: {verdict.reason()}" for label, verdict in flagged)
    categories = tuple(dict.fromkeys(c for _, verdict in flagged for c in verdict.categories))
    return reasons, categories


async def ensure_safe(moderator: Moderator, texts: Texts) -> None:
    """Raise UnsafeContent naming each flagged text and why; return when every text is suitable."""
    if flagged := await _flagged(moderator, texts):
        reasons, categories = _describe(flagged)
        raise UnsafeContent(f"not suitable for a children's comic: {reasons}; please rephrase it", categories)


async def regenerate_if_unsafe(
    moderator: Moderator, produce: Callable[[], Awaitable[T]], texts_of: Callable[[T], Texts], what: str
) -> T:
    """`produce()`, screened; flagged output is produced once more, then UnsafeContent fails the step."""
    flagged: list[tuple[str, Verdict]] = []
    for attempt in (1, 2):
        result = await produce()
        if not (flagged := await _flagged(moderator, texts_of(result))):
            return result
        log.warning(
            "%s flagged by %s moderation (attempt %d): %s", what, moderator.name, attempt, _describe(flagged)[0]
        )
    reasons, categories = _describe(flagged)
    raise UnsafeContent(
        f"the {what} were flagged as unsuitable for children twice ({reasons}); "
        "retry to write them again, or start over with a different topic",
        categories,
    )


def scene_texts(scenes: Sequence[SceneDraft], title: str | None = None) -> Texts:
    """One labelled text per scene (every field the reader or the illustrator sees), plus the title."""
    texts = [("the title", title)] if title else []
    for scene in scenes:
        fields = [scene.title, scene.description, scene.dialogue, scene.learning_point, *scene.visual_elements]
        texts.append((f"scene {scene.scene_id}", "\n".join(fields)))
    return texts
