"""The character library: the presets from `master_prompts` plus the creator's custom characters."""

from __future__ import annotations

from app.errors import Conflict, InvalidRequest
from app.models.records import CastMember, Character, CharacterChoice
from app.providers.moderation import Moderator
from app.providers.word_list import WordListModerator
from app.services.story.safety import ensure_safe
from app.storage.data_manager import DataManager
from master_prompts import PRESET_CHARACTERS
from utils import utcnow

PRESETS: dict[str, Character] = {
    preset.character_type: Character(
        character_type=preset.character_type,
        name=preset.name,
        description=preset.description,
        visual_tags=list(preset.visual_tags),
        age_group=preset.age_group,
    )
    for preset in PRESET_CHARACTERS
}
MAX_CAST = 4


def _ages(age_group: str) -> range | None:
    if age_group in ("adult", "any"):
        return None
    low, high = age_group.split("-")
    return range(int(low), int(high) + 1)


def suits(character: Character, age_group: str) -> bool:
    """Whether a character fits a comic for `age_group`: overlapping child ages, or any adult."""
    ages, wanted = _ages(character.age_group), _ages(age_group)
    return ages is None or wanted is None or bool(set(ages) & set(wanted))


class CharacterLibrary:
    """Looks characters up and casts them into a job."""

    def __init__(self, data: DataManager, moderator: Moderator | None = None) -> None:
        self._data = data
        # A custom character's name and looks reach every page it is cast in, so they are screened.
        self._moderator = moderator or WordListModerator()

    async def list(self, age_group: str | None = None) -> list[Character]:
        """Presets first, then custom characters by type; optionally only those suiting `age_group`."""
        custom = sorted(await self._data.custom_characters(), key=lambda c: c.character_type)
        everyone = [*PRESETS.values(), *custom]
        return [c for c in everyone if age_group is None or suits(c, age_group)]

    async def get(self, character_type: str) -> Character:
        """One character of the library, preset or custom; raises CharacterNotFound."""
        if character_type in PRESETS:
            return PRESETS[character_type]
        return await self._data.get_character(character_type)

    async def add(self, character: Character) -> Character:
        """Store a custom character; its type must not clash with a preset or another custom one."""
        if character.character_type in PRESETS:
            raise Conflict(f"{character.character_type!r} is a preset character type")
        looks = "\n".join([character.character_type, character.name, character.description, *character.visual_tags])
        await ensure_safe(self._moderator, [("the character", looks)])
        stored = character.model_copy(update={"custom": True, "created_at": utcnow()})
        return await self._data.add_character(stored)

    async def cast(self, choices: list[CharacterChoice]) -> list[CastMember]:
        """One cast member per requested character, numbering repeats ("Leo", "Leo 2")."""
        total = sum(choice.count for choice in choices)
        if not 1 <= total <= MAX_CAST:
            raise InvalidRequest(f"pick 1 to {MAX_CAST} characters in all; got {total}")
        types = [choice.character_type for choice in choices]
        if len(set(types)) != len(types):
            raise InvalidRequest("list each character type once and use `count` for more than one")
        known = {c.character_type: c for c in await self.list()}
        unknown = sorted({c.character_type for c in choices if c.character_type not in known})
        if unknown:
            raise InvalidRequest(f"unknown character type(s): {', '.join(unknown)}; known: {', '.join(known)}")
        cast: list[CastMember] = []
        for choice in choices:
            character = known[choice.character_type]
            for n in range(1, choice.count + 1):
                cast.append(
                    CastMember(
                        character_type=character.character_type,
                        name=character.name if n == 1 else f"{character.name} {n}",
                        description=character.description,
                        visual_tags=character.visual_tags,
                        age_group=character.age_group,
                    )
                )
        return cast
