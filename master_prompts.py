"""Every prompt the service sends, the preset character library and the art styles.

Prompts carry their inputs as JSON blocks after fixed labels so that a model (or a test's fake
model) can read them back unambiguously, and so that user text can never break the template.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# ---------------------------------------------------------------------------------------------
# Characters


@dataclass(frozen=True)
class PresetCharacter:
    """A character from the built-in library."""

    character_type: str
    name: str
    description: str
    visual_tags: tuple[str, ...]
    age_group: str


PRESET_CHARACTERS: tuple[PresetCharacter, ...] = (
    PresetCharacter(
        "boy_young",
        "Leo",
        "A cheerful six-year-old boy with short curly brown hair, round cheeks and a red striped t-shirt.",
        ("child", "boy", "curly brown hair", "red striped t-shirt", "blue shorts"),
        "5-8",
    ),
    PresetCharacter(
        "girl_young",
        "Mia",
        "A curious seven-year-old girl with two black pigtails, freckles and a yellow dress.",
        ("child", "girl", "black pigtails", "freckles", "yellow dress"),
        "5-8",
    ),
    PresetCharacter(
        "boy_teen",
        "Sam",
        "A thoughtful eleven-year-old boy with straight black hair, glasses and a green hoodie.",
        ("preteen", "boy", "black hair", "round glasses", "green hoodie"),
        "9-12",
    ),
    PresetCharacter(
        "girl_teen",
        "Ava",
        "A confident ten-year-old girl with a long auburn ponytail and a purple jacket.",
        ("preteen", "girl", "auburn ponytail", "purple jacket", "sneakers"),
        "9-12",
    ),
    PresetCharacter(
        "parent_mom",
        "Mom",
        "A warm mother in her thirties with shoulder-length dark hair and a teal cardigan.",
        ("adult", "woman", "shoulder-length dark hair", "teal cardigan"),
        "adult",
    ),
    PresetCharacter(
        "parent_dad",
        "Dad",
        "A kind father in his thirties with a short beard and an orange flannel shirt.",
        ("adult", "man", "short beard", "orange flannel shirt"),
        "adult",
    ),
    PresetCharacter(
        "friend_boy",
        "Noah",
        "A friendly boy with spiky blond hair and a blue baseball cap.",
        ("child", "boy", "spiky blond hair", "blue baseball cap"),
        "5-12",
    ),
    PresetCharacter(
        "friend_girl",
        "Zoe",
        "A lively girl with a big curly afro, a pink headband and a white t-shirt.",
        ("child", "girl", "curly afro", "pink headband", "white t-shirt"),
        "5-12",
    ),
)

# ---------------------------------------------------------------------------------------------
# Art styles


@dataclass(frozen=True)
class ArtStyle:
    """A named look that is folded into every image prompt of a comic."""

    name: str
    label: str
    prompt: str


ART_STYLES: tuple[ArtStyle, ...] = (
    ArtStyle(
        "storybook",
        "Storybook watercolour",
        "soft storybook watercolour illustration, gentle pastel colours, warm light, textured paper",
    ),
    ArtStyle(
        "cartoon",
        "Bright cartoon",
        "bright clean cartoon illustration, bold outlines, flat saturated colours, friendly shapes",
    ),
    ArtStyle(
        "manga",
        "Manga",
        "kid-friendly manga style, expressive eyes, clean ink lines, screentone shading",
    ),
    ArtStyle(
        "comic_book",
        "Classic comic book",
        "classic comic book art, inked outlines, halftone dots, vivid primary colours",
    ),
    ArtStyle(
        "paper_cutout",
        "Paper cut-out",
        "layered paper cut-out collage, visible paper edges, soft drop shadows, craft look",
    ),
)
STYLES: dict[str, ArtStyle] = {style.name: style for style in ART_STYLES}
DEFAULT_STYLE = "storybook"

# ---------------------------------------------------------------------------------------------
# Language guidance per age group

AGE_GUIDANCE: dict[str, str] = {
    "5-8": (
        "Readers are 5 to 8 years old: very short sentences (at most 10 words), everyday words, "
        "one clear idea per scene, a warm and reassuring tone."
    ),
    "9-12": (
        "Readers are 9 to 12 years old: short sentences, concrete reasons behind each choice, "
        "respectful tone that does not talk down, a little humour is welcome."
    ),
    "5-12": (
        "Readers are 5 to 12 years old: simple sentences a young child can follow, with one concrete "
        "reason an older child will appreciate; warm and reassuring tone."
    ),
}

SCRIPT_SYSTEM = (
    "You write short educational comics for children. The comic has exactly {panel_count} scenes "
    "that tell one small story with a beginning, a problem, a good choice and a happy ending. "
    "Each scene has: scene_id (1..{panel_count} in order), title (max 6 words), description "
    "(what the panel shows, concrete and drawable, 1-3 sentences, no text or lettering in the "
    "picture), dialogue (one or two short lines, each starting with the speaker's name and a "
    "colon), learning_point (one sentence) and visual_elements (3-5 short noun phrases). "
    "Never include violence, fear for its own sake, brand names or anything unsuitable for "
    "children. If the brief lists characters, they are the cast: use them by name. {age_guidance}"
)

REWRITE_SYSTEM = (
    "You revise scenes of an educational comic for children. Rewrite ONLY the scenes listed in "
    "the feedback, applying the parent's feedback while keeping the story consistent with the "
    "other scenes. Return only the rewritten scenes, with their original scene_id. {age_guidance}"
)

PANEL_PROMPTS_SYSTEM = (
    "You turn comic scenes into prompts for a text-to-image model and stage each panel. For each "
    "scene write: prompt, 40-80 words describing the setting, the characters' poses and "
    "expressions, the camera framing and the mood; refer to characters by name, their appearance "
    "is added separately; never ask for text, letters, speech balloons or captions in the picture. "
    "figures: everyone visible in the panel, each with name, position (left, centre or right), "
    "depth (front or back), extra and look. A figure listed in Characters uses that name exactly, "
    "with extra false and an empty look. Anyone else who appears or speaks (a stranger, a teacher, "
    "a shopkeeper) is an extra: extra true, the name the dialogue gives them (or a short label such "
    "as Teacher), and a look of 6-15 words (age, build, clothes and colours) that is clearly unlike "
    "every character. Every speaker of the dialogue must be a figure; a narrator is not. Spread "
    "the figures so that no two share a place, and stand speakers where there is room above their "
    "heads. speakers: the names of the figures who speak, in the order of the dialogue."
)


def _json_block(label: str, payload: Any) -> str:
    return f"{label}:\n{json.dumps(payload, ensure_ascii=False, indent=2)}"


def script_messages(
    topic: str, age_group: str, panel_count: int, cast: list[dict[str, str]] | None = None
) -> list[dict[str, str]]:
    """Chat messages asking for a whole comic script (title + scenes)."""
    system = SCRIPT_SYSTEM.format(panel_count=panel_count, age_guidance=AGE_GUIDANCE[age_group])
    brief: dict[str, Any] = {"topic": topic, "age_group": age_group, "panel_count": panel_count}
    if cast:
        brief["characters"] = cast
    user = "\n\n".join(["Write the comic described below.", _json_block("Brief", brief)])
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def rewrite_messages(
    topic: str, age_group: str, scenes: list[dict[str, Any]], feedback: list[dict[str, Any]]
) -> list[dict[str, str]]:
    """Chat messages asking to rewrite the scenes named in `feedback`."""
    system = REWRITE_SYSTEM.format(age_guidance=AGE_GUIDANCE[age_group])
    user = "\n\n".join(
        [
            _json_block("Brief", {"topic": topic, "age_group": age_group}),
            _json_block("Current scenes", scenes),
            _json_block("Feedback", feedback),
        ]
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def panel_prompt_messages(
    topic: str, scenes: list[dict[str, Any]], cast: list[dict[str, str]], style: ArtStyle
) -> list[dict[str, str]]:
    """Chat messages asking for one image prompt per scene, all in one call."""
    user = "\n\n".join(
        [
            _json_block("Brief", {"topic": topic, "art_style": style.prompt}),
            _json_block("Characters", cast),
            _json_block("Scenes", scenes),
        ]
    )
    return [{"role": "system", "content": PANEL_PROMPTS_SYSTEM}, {"role": "user", "content": user}]


def compose_reference_prompt(name: str, description: str, style: ArtStyle) -> str:
    """The prompt of a character's reference picture: the character alone, full length, plain background.

    Every panel of every comic in this style is drawn from this picture, so it shows all of the
    character (head to shoes, clothes clearly visible) and nothing else.
    """
    return (
        f"{style.prompt}. Character reference sheet: one full-length picture of {name}, {description.strip()} "
        "Standing alone, facing the viewer, whole body from head to shoes visible, arms relaxed, "
        "on a plain white background, no other people, no objects, no scenery, no text, no letters."
    )


_PLACES = {"left": "on the left", "centre": "in the centre", "right": "on the right"}
_DEPTHS = {"front": "in the foreground", "back": "further back"}


@dataclass(frozen=True)
class Staged:
    """One figure of a panel as the image prompt describes it (see `records.Figure`)."""

    name: str
    position: str  # left, centre or right
    depth: str  # front or back
    look: str  # the fixed look of a cast member, or an extra's look


def staging(figures: list[Staged], speakers: list[str]) -> str:
    """Where each figure stands, and the calm space the speakers' words need above them."""
    if not figures:
        return "Nobody is in this picture."
    placed = "; ".join(
        f"{f.name} stands {_PLACES.get(f.position, 'in the centre')} {_DEPTHS.get(f.depth, '')}".rstrip()
        for f in figures
    )
    text = f"Exactly {len(figures)} {'person' if len(figures) == 1 else 'people'}: {placed}."
    if speakers:
        # The words are lettered on afterwards: they need a plain, quiet patch right above the speaker.
        text += f" Leave calm, empty space (plain sky or wall) above {' and '.join(speakers)}."
    return text


def compose_image_prompt(
    scene_prompt: str,
    cast: list[tuple[str, str]],
    style: ArtStyle,
    figures: list[Staged] | None = None,
    speakers: list[str] | None = None,
) -> str:
    """The final image prompt: the style, the scene, where everyone stands, then every look.

    The fixed descriptions are appended verbatim so that each character looks the same in every
    panel, whatever the scene prompt says. With `figures` (the panel's staging), only the people
    in the panel are described, extras included, and their places are asked for.
    """
    if figures is None:
        looks = " ".join(f"{name}: {description}" for name, description in cast)
        return (
            f"{style.prompt}. {scene_prompt.strip()} Characters: {looks} "
            "Children's book illustration, no text, no letters, no speech balloons."
        )
    looks = " ".join(f"{f.name}: {f.look.strip().rstrip('.')}." for f in figures)
    return (
        f"{style.prompt}. {scene_prompt.strip()} {staging(figures, speakers or [])} "
        f"{f'Characters: {looks} ' if looks else ''}"
        "Children's book illustration, no text, no letters, no speech balloons."
    )
