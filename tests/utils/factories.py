"""Factories for records the tests need often."""

from __future__ import annotations

from pathlib import Path

from app.models.records import CastMember
from app.models.story import SceneDraft
from app.services.cast.characters import PRESETS
from app.storage.data_manager import DataManager


def preset_cast_member(character_type: str) -> CastMember:
    """A preset character as cast in a comic."""
    character = PRESETS[character_type]
    return CastMember(**character.model_dump(include=set(CastMember.model_fields)))


PRESET_CAST: dict[str, CastMember] = {c.name: preset_cast_member(t) for t, c in PRESETS.items()}

# One scene as an illustrator gets it.
SCENE_DRAFT = SceneDraft(
    scene_id=1,
    title="At the bus stop",
    description="Mia waits at the bus stop with her mom.",
    dialogue='Mia: "Hello!"',
    learning_point="Say no to sweets from strangers.",
    visual_elements=["bus stop"],
)


async def stored_statuses(data_dir: Path) -> dict[str, str]:
    """Job id -> status of every job a fresh start on `data_dir` lists (at most 1000)."""
    data = DataManager(data_dir)
    await data.open()
    _, jobs = await data.list_jobs(None, 1000, 0)
    return {str(job.id): job.status.value for job in jobs}
