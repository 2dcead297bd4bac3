"""Offline staging and drawing from a composition: the right people, in their places, extras unmistakable."""

from __future__ import annotations

import io
import itertools

import pytest
from PIL import Image

from app.models.records import Composition, Figure
from app.models.story import SceneDraft
from app.providers import sketch
from app.providers.composition import to_composition
from app.providers.offline_images import figure_layout, render_panel
from app.providers.offline_text import OfflineTextModel
from external_services import ImageRequest, StoryBrief
from master_prompts import STYLES
from tests.utils.factories import PRESET_CAST

CANDY = "teach my kid not to accept candy from strangers"
CAST = [PRESET_CAST["Mia"], PRESET_CAST["Mom"]]
SKIN = (246, 208, 176)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def staged(cast=CAST) -> tuple[list[SceneDraft], list[Composition]]:
    writer = OfflineTextModel()
    brief = StoryBrief(CANDY, "5-8")
    scenes = (await writer.write_script(brief)).scenes
    plans = await writer.write_panel_prompts(brief, scenes, cast, STYLES["storybook"])
    return scenes, [to_composition(plan, cast) for plan in plans]


def draw(scene: SceneDraft, composition: Composition | None, style: str = "cartoon") -> Image.Image:
    request = ImageRequest("unused", 768, 512, 7, scene, CAST, STYLES[style], composition=composition)
    return Image.open(io.BytesIO(render_panel(request))).convert("RGB")


@pytest.mark.anyio
async def test_the_stranger_is_an_extra_where_he_speaks_and_where_he_is_mentioned() -> None:
    scenes, compositions = await staged()
    offer = compositions[1]
    assert scenes[1].dialogue.startswith("Stranger:")
    stranger = offer.figure("Stranger")
    assert stranger is not None
    assert stranger.character_type is None
    assert "grey coat" in (stranger.look or "")
    assert offer.speakers == ["Stranger"]
    assert {f.name for f in compositions[4].figures} == {"Mia", "Stranger"}  # "steps away from the stranger"
    assert all(c.figure("Stranger") is None for c in (compositions[0], compositions[2]))  # "from strangers": nobody


@pytest.mark.anyio
async def test_cast_members_the_scene_names_are_placed_speakers_first_from_the_left() -> None:
    _, compositions = await staged()
    ask = compositions[3]  # Mia asks Mom
    assert [(f.name, f.character_type, f.position) for f in ask.figures] == [
        ("Mia", "girl_young", "left"),
        ("Mom", "parent_mom", "right"),
    ]
    assert ask.speakers == ["Mia", "Mom"]
    assert [f.position for f in compositions[0].figures] == ["centre"]  # Mia alone on the swings
    assert (await staged())[1] == compositions  # the same brief, the same staging


def test_layout_follows_the_composition_and_draws_nobody_else() -> None:
    composition = Composition(
        figures=[
            Figure(name="Mom", character_type="parent_mom", position="right"),
            Figure(name="Stranger", position="left", depth="back", look="a tall man in a grey coat"),
        ],
        speakers=["Mom"],
    )
    back, front = figure_layout(CAST, 768, 512, composition)
    assert (back.name, back.extra, back.depth) == ("Stranger", True, "back")
    assert (front.name, front.extra, front.kind) == ("Mom", False, "adult")
    assert front.cx > 768 / 2 > back.cx
    assert back.base < front.base
    assert back.height < front.height
    assert figure_layout(CAST, 768, 512, Composition()) == []


@pytest.mark.parametrize("crowd", [2, 3, 4, 6])
def test_figures_sharing_a_place_are_pushed_apart_inside_the_panel(crowd: int) -> None:
    names = ["Mia", "Mom", "Leo", "Ava", "Dad", "Zoe"][:crowd]
    composition = Composition(
        figures=[Figure(name=n, character_type=PRESET_CAST[n].character_type, position="left") for n in names]
    )
    slots = figure_layout([PRESET_CAST[n] for n in names], 768, 512, composition)
    assert [s.name for s in slots if s.depth == "front"] == names
    extents = [(s.box[0], s.box[2]) for s in slots]
    assert min(left for left, _ in extents) >= 0
    assert max(right for _, right in extents) <= 768
    assert all(a[1] < b[0] for a, b in itertools.pairwise(extents))


def _head_colour(image: Image.Image, slot) -> tuple[int, int, int]:
    """The commonest colour of the lower half of the head: skin on a face, whatever eyes and mouth there are."""
    x, y, r = slot.head
    patch = image.crop((round(x - r * 0.5), round(y), round(x + r * 0.5), round(y + r * 0.7)))
    return max(patch.getcolors(4096), key=lambda pair: pair[0])[1]


@pytest.mark.anyio
async def test_an_extra_is_a_faceless_silhouette_and_a_cast_member_has_a_face() -> None:
    scenes, compositions = await staged()
    image = draw(scenes[1], compositions[1])
    stranger, mia = figure_layout(CAST, 768, 512, compositions[1])
    assert (stranger.name, mia.name) == ("Stranger", "Mia")
    skin = sketch.look_for("cartoon").tint(SKIN)
    assert sum(abs(a - b) for a, b in zip(_head_colour(image, mia), skin, strict=True)) < 40
    shade = _head_colour(image, stranger)
    assert sum(abs(a - b) for a, b in zip(shade, skin, strict=True)) > 150
    assert max(shade) - min(shade) < 60  # muted: no cast member's bright clothes or skin


@pytest.mark.anyio
async def test_the_composition_changes_the_picture() -> None:
    scenes, compositions = await staged()
    with_staging, without = draw(scenes[1], compositions[1]), draw(scenes[1], None)
    assert with_staging.tobytes() != without.tobytes()
    assert draw(scenes[1], compositions[1]).tobytes() == with_staging.tobytes()  # still deterministic
