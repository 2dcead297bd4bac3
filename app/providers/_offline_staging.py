"""Offline staging: who stands where in a panel, derived from the scene's words alone.

The offline writer has no model to ask, so it stages each panel by rule: the speakers first, in
dialogue order (the first speaker on the left, so balloons read left to right in speaking order),
then the cast members the scene names, then anyone the scene mentions by role ("a smiling
stranger"). Speakers who are not in the cast become extras with a stock look for their role.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.models.records import CastMember
from app.models.story import FigurePlan, SceneDraft
from app.providers.composition import dialogue_speakers
from master_prompts import PRESET_CHARACTERS

# Roles a scene may mention that are nobody in the cast, with a look the illustrator can draw.
# Looks name an age word ("man", "woman", "boy"), so the offline illustrator sizes them right.
_EXTRA_LOOKS: dict[str, str] = {
    "stranger": "a tall man the children do not know, in a long grey coat and a dark hat",
    "teacher": "a woman teacher with a bun, round glasses and a green cardigan",
    "shopkeeper": "a man shopkeeper with a moustache and a striped apron",
    "cashier": "a woman cashier in a red shop uniform with a name badge",
    "neighbour": "an older woman neighbour with grey hair and a flowery apron",
    "neighbor": "an older woman neighbour with grey hair and a flowery apron",
    "doctor": "a woman doctor in a white coat with a stethoscope",
    "dentist": "a man dentist in a light blue coat with a face mask pulled down",
    "nurse": "a man nurse in teal scrubs",
    "police officer": "a woman police officer in a navy uniform and cap",
    "officer": "a woman police officer in a navy uniform and cap",
    "coach": "a man coach in a tracksuit with a whistle",
    "lifeguard": "a woman lifeguard in a red swimsuit with a whistle",
    "librarian": "an older man librarian with a grey beard and a brown waistcoat",
    "bus driver": "a man bus driver in a grey uniform and cap",
    "classmate": "a boy classmate with a backpack and a yellow raincoat",
}
_GENERIC_LOOK = "a grown-up man the children do not know, in a plain grey coat"
# "a smiling stranger", "the teacher": one role word after an article, with at most one word between.
_ROLES = "|".join(sorted(map(re.escape, _EXTRA_LOOKS), key=len, reverse=True))
_ROLE = re.compile(rf"\b(?:a|an|the)\s+(?:[a-z-]+\s+)?({_ROLES})\b", re.IGNORECASE)
# Up to three across the front; more stand behind them.
_FRONT = {1: ["centre"], 2: ["left", "right"], 3: ["left", "centre", "right"]}
_BACK = ["centre", "left", "right"]


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def extra_look(name: str) -> str:
    """A stock look for an extra called `name` ("Stranger", "Mr Brown the teacher").

    A preset's name (a scene written before the cast was chosen still says "Leo") gets the preset's look.
    """
    low = _key(name)
    if preset := next((p for p in PRESET_CHARACTERS if _key(p.name) == low), None):
        return preset.description
    return next((look for role, look in _EXTRA_LOOKS.items() if re.search(rf"\b{role}\b", low)), _GENERIC_LOOK)


def _named(text: str, name: str) -> int | None:
    match = re.search(rf"\b{re.escape(name)}\b", text)
    return match.start() if match else None


def stage(scene: SceneDraft, text: str, cast: Sequence[CastMember]) -> tuple[list[FigurePlan], list[str]]:
    """The figures of a panel and who speaks; `text` is the scene's title and description with cast names in."""
    members = {_key(member.name): member for member in cast}
    people: list[tuple[str, str]] = []  # (name, look: "" for a cast member)
    speakers = dialogue_speakers(scene.dialogue)
    for name in speakers:
        member = members.get(_key(name))
        people.append((member.name, "") if member else (name, extra_look(name)))
    seen = {_key(name) for name, _ in people}
    named = sorted((at, m.name) for m in cast if _key(m.name) not in seen and (at := _named(text, m.name)) is not None)
    people += [(name, "") for _, name in named]
    seen |= {_key(name) for _, name in named}
    for match in _ROLE.finditer(text):
        label = match.group(1).title()
        if _key(label) not in seen:
            seen.add(_key(label))
            people.append((label, extra_look(label)))
    front = _FRONT.get(min(len(people), 3), [])
    figures = [
        FigurePlan(
            name=name,
            position=front[i] if i < 3 else _BACK[(i - 3) % 3],  # type: ignore[arg-type]
            depth="front" if i < 3 else "back",
            extra=bool(look),
            look=look,
        )
        for i, (name, look) in enumerate(people)
    ]
    spoken = {_key(name) for name in speakers}
    return figures, [f.name for f in figures if _key(f.name) in spoken]
