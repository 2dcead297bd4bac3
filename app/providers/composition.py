"""Checking who a text model put in each panel against the cast and the dialogue, and storing it.

The image-prompt call stages every panel (`PanelPrompt.figures`, `.speakers`). Its reply is held to
three rules before anything is drawn: a figure that is not an extra is a cast member, named exactly
as in the cast; every speaker of the scene's dialogue stands in the panel as a figure; and anyone
not in the cast (a stranger, a teacher) is an extra with a look of their own. A reply that breaks a
rule is a ValueError, which the providers retry once and then report as a ProviderError.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.models.records import CastMember, Composition, Figure
from app.models.story import FigurePlan, PanelPrompt, SceneDraft
from app.rendering.text import parse_dialogue

# Labels that letter a caption box, not a balloon: nobody stands in the picture for them.
NARRATORS = frozenset({"narrator", "narration", "caption", "storyteller"})


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def dialogue_speakers(dialogue: str) -> list[str]:
    """The people who speak in `dialogue`, once each, in speaking order (narration left out).

    Parsed exactly as the lettering parses it, so a balloon's speaker is always one of these.
    """
    seen: dict[str, str] = {}
    for speech in parse_dialogue(dialogue):
        if speech.speaker and _key(speech.speaker) not in NARRATORS:
            seen.setdefault(_key(speech.speaker), speech.speaker.strip())
    return list(seen.values())


def check_staging(plan: PanelPrompt, scene: SceneDraft, cast: Sequence[CastMember]) -> PanelPrompt:
    """`plan` with names spelled as in the cast and the dialogue, speakers in dialogue order.

    Raises ValueError when the plan breaks a rule (see the module docstring).
    """
    members = {_key(member.name): member for member in cast}
    spoken = {_key(name): name for name in dialogue_speakers(scene.dialogue)}
    figures: list[FigurePlan] = []
    for figure in plan.figures:
        key = _key(figure.name)
        if key in NARRATORS or any(_key(f.name) == key for f in figures):
            continue  # a narrator is never drawn; a figure listed twice is drawn once
        if key in members:  # a cast member is drawn from the cast, whatever the reply said
            figures.append(figure.model_copy(update={"name": members[key].name, "extra": False, "look": ""}))
        elif not figure.extra and key not in spoken:
            raise ValueError(
                f"scene {plan.scene_id}: figure {figure.name!r} is not in the cast "
                f"({', '.join(members) or 'none'}); mark anyone else as an extra"
            )
        elif not figure.look.strip():
            raise ValueError(f"scene {plan.scene_id}: extra {figure.name!r} has no look")
        else:  # an unknown speaker is an extra even if the reply forgot to say so
            name = spoken.get(key, figure.name)
            figures.append(figure.model_copy(update={"name": name, "extra": True, "look": figure.look.strip()}))
    placed = {_key(f.name) for f in figures}
    if missing := [name for key, name in spoken.items() if key not in placed]:
        raise ValueError(f"scene {plan.scene_id}: speaker(s) {missing} are not placed in the panel")
    for name in plan.speakers:
        if _key(name) not in placed and _key(name) not in NARRATORS:
            raise ValueError(f"scene {plan.scene_id}: speaker {name!r} is not one of the panel's figures")
    by_key = {_key(f.name): f.name for f in figures}
    # The dialogue decides the speaking order; speakers only the reply names (narration-only scenes) follow.
    speakers = [by_key[key] for key in spoken]
    speakers += [by_key[k] for name in plan.speakers if (k := _key(name)) in by_key and by_key[k] not in speakers]
    return plan.model_copy(update={"figures": figures, "speakers": speakers})


def check_stagings(
    plans: Sequence[PanelPrompt], scenes: Sequence[SceneDraft], cast: Sequence[CastMember]
) -> list[PanelPrompt]:
    """`check_staging` for each plan and the scene of the same id (plans and scenes in the same order)."""
    by_id = {scene.scene_id: scene for scene in scenes}
    return [check_staging(plan, by_id[plan.scene_id], cast) for plan in plans if plan.scene_id in by_id]


def to_composition(plan: PanelPrompt, cast: Sequence[CastMember]) -> Composition:
    """What is stored with the panel: the checked plan, with each cast figure's character type."""
    members = {_key(member.name): member for member in cast}
    figures = []
    for figure in plan.figures:
        member = None if figure.extra else members.get(_key(figure.name))
        figures.append(
            Figure(
                name=figure.name,
                character_type=member.character_type if member else None,
                position=figure.position,
                depth=figure.depth,
                look=None if member else figure.look,
            )
        )
    return Composition(figures=figures, speakers=list(plan.speakers))
