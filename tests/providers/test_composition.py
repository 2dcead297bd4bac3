"""Staging checks: the rules a model's composition must keep, and what is stored with the panel."""

from __future__ import annotations

import json

import pytest
from openai.lib._pydantic import to_strict_json_schema

from app.models.story import ComicScript, FigurePlan, PanelPrompt, PanelPrompts, SceneDraft, SceneRewrites
from app.providers.composition import check_staging, dialogue_speakers, to_composition
from tests.utils.factories import PRESET_CAST

CAST = [PRESET_CAST["Mia"], PRESET_CAST["Mom"]]


def scene(dialogue: str) -> SceneDraft:
    return SceneDraft(
        scene_id=2,
        title="An offer",
        description="By the park gate, a stranger holds out candy to Mia.",
        dialogue=dialogue,
        learning_point="Say no.",
        visual_elements=["candy"],
    )


def fig(name: str, position: str = "left", *, extra: bool = False, look: str = "", depth: str = "front") -> FigurePlan:
    return FigurePlan(name=name, position=position, depth=depth, extra=extra, look=look)  # type: ignore[arg-type]


def plan(*figures: FigurePlan, speakers: list[str] | None = None) -> PanelPrompt:
    return PanelPrompt(scene_id=2, prompt="A park gate.", figures=list(figures), speakers=speakers or [])


def test_speakers_are_parsed_like_the_lettering_in_order_once_without_narration() -> None:
    dialogue = 'Stranger: "Candy?"\nNarrator: Mia thinks.\nMia: "No, thanks."\nStranger: "Sure?"'
    assert dialogue_speakers(dialogue) == ["Stranger", "Mia"]
    assert dialogue_speakers('"Look, this is part one!"') == []


def test_a_valid_plan_gets_cast_spelling_and_dialogue_order() -> None:
    checked = check_staging(
        plan(fig("mia", "right", extra=True, look="ignored"), fig("Stranger", extra=True, look="a man in grey")),
        scene('Stranger: "Candy?"\nMia: "No, thanks."'),
        CAST,
    )
    assert [(f.name, f.extra, f.look) for f in checked.figures] == [
        ("Mia", False, ""),
        ("Stranger", True, "a man in grey"),
    ]
    assert checked.speakers == ["Stranger", "Mia"]  # the dialogue's order, though the reply named nobody


def test_an_unknown_speaker_is_an_extra_even_when_the_reply_forgot_to_say_so() -> None:
    checked = check_staging(plan(fig("Stranger", look="a tall man")), scene('Stranger: "Candy?"'), CAST)
    assert checked.figures[0].extra is True
    composition = to_composition(checked, CAST)
    assert composition.figure("stranger").character_type is None
    assert composition.figure("Stranger").look == "a tall man"


@pytest.mark.parametrize(
    ("figures", "dialogue", "problem"),
    [
        ((fig("Lily"),), 'Mia: "Hi"', "not in the cast"),  # invented someone and called them cast
        ((fig("Mia"),), 'Stranger: "Candy?"', "not placed"),  # a speaker left out of the picture
        ((fig("Stranger", extra=True),), 'Stranger: "Candy?"', "no look"),  # an extra nobody can draw
    ],
)
def test_broken_rules_are_value_errors(figures: tuple[FigurePlan, ...], dialogue: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        check_staging(plan(*figures), scene(dialogue), CAST)


def test_a_speaker_the_reply_names_must_stand_in_the_panel() -> None:
    with pytest.raises(ValueError, match="not one of the panel's figures"):
        check_staging(plan(fig("Mia"), speakers=["Mom"]), scene("Mia waves."), CAST)


def test_narrators_and_repeats_are_not_drawn() -> None:
    checked = check_staging(plan(fig("Narrator"), fig("Mia"), fig("MIA", "right")), scene('Mia: "Hi"'), CAST)
    assert [f.name for f in checked.figures] == ["Mia"]


def test_the_stored_composition_carries_character_types_and_places() -> None:
    checked = check_staging(
        plan(fig("Mom", "right", depth="back"), fig("Mia", "centre")), scene('Mia: "Hi"\nMom: "Hello"'), CAST
    )
    composition = to_composition(checked, CAST)
    assert [(f.name, f.character_type, f.position, f.depth) for f in composition.figures] == [
        ("Mom", "parent_mom", "right", "back"),
        ("Mia", "girl_young", "centre", "front"),
    ]
    assert composition.speakers == ["Mia", "Mom"]


@pytest.mark.parametrize("schema", [ComicScript, SceneRewrites, PanelPrompts])
def test_strict_schemas_require_every_property_and_carry_no_defaults(schema: type) -> None:
    sent = to_strict_json_schema(schema)  # what the SDK puts on the wire
    assert '"default"' not in json.dumps(sent)
    objects = [sent, *sent.get("$defs", {}).values()]
    for obj in objects:
        assert obj["additionalProperties"] is False
        assert sorted(obj["required"]) == sorted(obj["properties"])
