"""What a text model writes: the shapes sent as JSON schema and validated on the way back.

These models carry no length or count constraints in their JSON schema on purpose: strict
structured outputs (and many OpenAI-compatible servers) reject such keywords. The checks live in
validators instead, which Pydantic runs on the reply but leaves out of the schema.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def _not_blank(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


def _short_items(values: list[str]) -> list[str]:
    return [item.strip() for item in values if item.strip()][:10]


Text = Annotated[str, AfterValidator(_not_blank)]


class SceneDraft(BaseModel):
    """One scene as the model writes it."""

    model_config = ConfigDict(extra="forbid")

    scene_id: int
    title: Text
    description: Text
    dialogue: str
    learning_point: Text
    visual_elements: Annotated[list[str], AfterValidator(_short_items)]


class ComicScript(BaseModel):
    """A whole comic: its title and every scene."""

    model_config = ConfigDict(extra="forbid")

    title: Text
    scenes: list[SceneDraft]


class SceneRewrites(BaseModel):
    """The scenes a model rewrote after feedback."""

    model_config = ConfigDict(extra="forbid")

    scenes: list[SceneDraft]


class FigurePlan(BaseModel):
    """One figure of a panel as the model places it (see `records.Figure`, what is stored)."""

    model_config = ConfigDict(extra="forbid")

    name: Text  # a cast member's name, or an extra's label as the dialogue names them ("Stranger")
    position: Literal["left", "centre", "right"]
    depth: Literal["front", "back"]
    extra: bool  # not a cast member: drawn from `look`
    look: str  # an extra's appearance; empty for cast members


class PanelPrompt(BaseModel):
    """The image prompt for one scene, with who is in it, where each one stands and who speaks."""

    model_config = ConfigDict(extra="forbid")

    scene_id: int
    prompt: Text
    # default_factory, not a default: a default would reach the JSON schema, which strict
    # structured outputs reject; the reply must carry both lists anyway (every property is required).
    figures: list[FigurePlan] = Field(default_factory=list)
    speakers: list[str] = Field(default_factory=list)  # names as in `figures`, in speaking order


class PanelPrompts(BaseModel):
    """One image prompt per scene, written in one call."""

    model_config = ConfigDict(extra="forbid")

    prompts: list[PanelPrompt]


def check_scene_ids(scenes: list[SceneDraft], expected: list[int]) -> list[SceneDraft]:
    """The scenes for exactly the `expected` ids, in that order; ValueError when any is missing.

    Extra scenes a model volunteers are dropped, so that a rewrite can never touch a scene the
    parent did not ask about.
    """
    by_id = {scene.scene_id: scene for scene in scenes}
    missing = [scene_id for scene_id in expected if scene_id not in by_id]
    if missing:
        raise ValueError(f"the reply has no scene(s) {missing}; expected {expected}")
    return [by_id[scene_id] for scene_id in expected]


def check_prompt_ids(prompts: list[PanelPrompt], expected: list[int]) -> list[PanelPrompt]:
    """One prompt per `expected` scene id, in that order; ValueError when any is missing."""
    by_id = {prompt.scene_id: prompt for prompt in prompts}
    missing = [scene_id for scene_id in expected if scene_id not in by_id]
    if missing:
        raise ValueError(f"the reply has no prompt for scene(s) {missing}")
    return [by_id[scene_id] for scene_id in expected]
