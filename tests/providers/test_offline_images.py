"""The offline illustrator: valid, deterministic PNG drafts that follow the scene, cast and style."""

from __future__ import annotations

import io
import itertools
import random
from dataclasses import replace

import pytest
from PIL import Image

from app.models.records import CastMember
from app.models.story import SceneDraft
from app.providers import sketch
from app.providers.offline_images import OfflineImageModel, figure_layout, render_panel
from app.providers.sketch import COLOURS
from external_services import DrawnImage, ImageRequest
from master_prompts import STYLES
from tests.utils.factories import PRESET_CAST

CAST = PRESET_CAST
PARK = "Leo and Mia play catch with a red ball in the park on a sunny afternoon."
KITCHEN = "Mom and Leo set the table together in the kitchen at home."


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def scene(description: str = PARK, title: str = "A new friend", elements: list[str] | None = None) -> SceneDraft:
    return SceneDraft(
        scene_id=1,
        title=title,
        description=description,
        dialogue="Hello!",
        learning_point="Be kind.",
        visual_elements=["red ball", "oak tree"] if elements is None else elements,
    )


def request(
    names: list[str] = ["Leo", "Mia"],  # noqa: B006 - never mutated
    *,
    description: str = PARK,
    style: str | None = "cartoon",
    width: int = 768,
    height: int = 512,
    seed: int = 42,
    title: str = "A new friend",
) -> ImageRequest:
    return ImageRequest(
        prompt="ignored by the offline illustrator",
        width=width,
        height=height,
        seed=seed,
        scene=scene(description, title),
        cast=[CAST[n] for n in names],
        style=STYLES[style] if style else None,
    )


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image.convert("RGB")


def pixels(data: bytes) -> bytes:
    return decode(data).tobytes()


def rgb(image: Image.Image) -> zip[tuple[int, int, int]]:
    data = image.tobytes()
    return zip(data[0::3], data[1::3], data[2::3], strict=True)


def sky_share(data: bytes) -> float:
    """Share of sky-blue pixels in the top quarter of the panel."""
    image = decode(data)
    top = image.crop((0, 0, image.width, image.height // 4))
    blue = sum(1 for r, g, b in rgb(top) if b > 170 and b > r + 35 and g > r)
    return blue / (top.width * top.height)


@pytest.mark.parametrize(("width", "height"), [(768, 512), (512, 768)])
def test_panel_is_a_png_of_the_requested_size(width: int, height: int) -> None:
    image = decode(render_panel(request(width=width, height=height)))

    assert image.size == (width, height)


def test_same_request_gives_identical_bytes() -> None:
    random.seed(1)
    first = render_panel(request())
    random.seed(2)  # the global generator must not leak into the drawing

    assert render_panel(request()) == first


def test_seed_changes_small_details() -> None:
    assert pixels(render_panel(request(seed=1))) != pixels(render_panel(request(seed=2)))


def test_different_casts_give_different_images() -> None:
    assert pixels(render_panel(request(["Leo"]))) != pixels(render_panel(request(["Mia"])))


def test_looks_differ_even_under_the_same_name() -> None:
    leo = request(["Leo"])
    mia_called_leo = CAST["Mia"].model_copy(update={"name": "Leo"})

    other = render_panel(replace(leo, cast=[mia_called_leo]))

    assert pixels(render_panel(leo)) != pixels(other)


def test_every_style_looks_different() -> None:
    renders = {name: pixels(render_panel(request(style=name))) for name in [None, *STYLES]}

    assert len(set(renders.values())) == len(renders)


def test_manga_is_greyscale_and_cartoon_is_not() -> None:
    manga = decode(render_panel(request(style="manga")))
    cartoon = decode(render_panel(request(style="cartoon")))

    assert all(r == g == b for r, g, b in rgb(manga))
    assert any(not r == g == b for r, g, b in rgb(cartoon))


def test_adults_stand_taller_than_children() -> None:
    mom, leo, ava = figure_layout([CAST["Mom"], CAST["Leo"], CAST["Ava"]], 768, 512)

    assert (mom.kind, leo.kind, ava.kind) == ("adult", "child", "preteen")
    assert mom.height > ava.height > leo.height
    assert mom.base == leo.base


def test_adult_is_recognised_from_tags_alone() -> None:
    teacher = CastMember(
        character_type="teacher",
        name="Ms Lee",
        description="A friendly teacher with a green cardigan.",
        visual_tags=["woman", "green cardigan"],
        age_group="any",
    )
    adult, child = figure_layout([teacher, CAST["Mia"]], 768, 512)

    assert adult.height > child.height


@pytest.mark.parametrize(
    ("age_group", "tags", "description", "kind"),
    [
        ("any", ["man", "blue coat"], "A tall neighbour.", "adult"),
        ("any", ["boy", "red cap"], "A boy who helps his dad in the garden.", "child"),
        ("any", [], "A cheerful teen with a skateboard.", "preteen"),
        ("5-8", ["man"], "Oddly tagged.", "child"),
        ("9-12", [], "A girl who loves maps.", "preteen"),
    ],
)
def test_figure_kind_trusts_age_group_then_tags(age_group: str, tags: list[str], description: str, kind: str) -> None:
    assert sketch.figure_kind(age_group, tags, description) == kind


@pytest.mark.parametrize("width", [768, 512])
def test_four_figures_fit_side_by_side_without_overlap(width: int) -> None:
    slots = figure_layout([CAST[n] for n in ("Dad", "Mom", "Leo", "Mia")], width, 512)

    extents = [
        (s.cx - sketch.WIDTH_RATIO[s.kind] * s.height / 2, s.cx + sketch.WIDTH_RATIO[s.kind] * s.height / 2)
        for s in slots
    ]
    assert len(slots) == 4
    assert extents[0][0] >= 0
    assert extents[-1][1] <= width
    assert all(right < left for (_, right), (left, _) in itertools.pairwise(extents))
    assert slots[0].height > slots[2].height


def test_four_characters_render() -> None:
    data = render_panel(request(["Sam", "Ava", "Noah", "Zoe"]))

    assert decode(data).size == (768, 512)


def test_more_than_four_characters_are_capped() -> None:
    assert len(figure_layout(list(CAST.values()), 768, 512)) == 4


def test_empty_cast_draws_one_generic_child() -> None:
    slots = figure_layout([], 768, 512)
    data = render_panel(request([]))

    assert [s.kind for s in slots] == ["child"]
    assert decode(data).size == (768, 512)
    assert pixels(data) != pixels(render_panel(request(["Leo"])))


@pytest.mark.parametrize("style", [None, "storybook", "cartoon", "comic_book", "paper_cutout"])
def test_outdoor_scenes_have_sky_and_indoor_scenes_do_not(style: str | None) -> None:
    outdoor = sky_share(render_panel(request(description=PARK, style=style)))
    indoor = sky_share(render_panel(request(["Mom", "Leo"], description=KITCHEN, style=style)))

    assert outdoor > 0.5
    assert indoor < 0.15


@pytest.mark.parametrize(
    ("title", "description", "elements", "expected"),
    [
        ("At the park", "Leo kicks a ball on the grass.", [], ("outdoor", "park")),
        ("Waiting", "Noah waits at the crosswalk on a busy street.", [], ("outdoor", "street")),
        ("Breakfast", "Mia eats cereal in the KITCHEN with Mom.", [], ("home", "kitchen")),
        ("Bedtime", "Leo reads a book in his bedroom.", [], ("home", "bedroom")),
        ("Morning lesson", "Sam raises his hand.", ["classroom", "whiteboard"], ("school", "school")),
        ("Shopping", "Dad and Zoe choose apples at the supermarket.", ["shopping cart"], ("shop", "shop")),
        ("A surprise", "Leo smiles.", [], ("outdoor", "park")),
    ],
)
def test_setting_is_picked_from_the_scene_words(
    title: str, description: str, elements: list[str], expected: tuple[str, str]
) -> None:
    assert sketch.pick_setting(title, description, elements) == expected


def test_colours_come_from_the_character_text() -> None:
    leo, mia, mom = sketch.cast_traits(
        [(m.name, m.description, m.visual_tags, m.age_group) for m in (CAST["Leo"], CAST["Mia"], CAST["Mom"])]
    )

    assert (leo.top, leo.bottom, leo.hair) == (COLOURS["red"], COLOURS["blue"], COLOURS["brown"])
    assert (leo.striped, leo.shorts, leo.dress) == (True, True, False)
    assert (mia.top, mia.hair, mia.dress) == (COLOURS["yellow"], COLOURS["black"], True)
    assert (mom.top, mom.kind) == (COLOURS["teal"], "adult")


def test_invented_colours_avoid_the_rest_of_the_cast() -> None:
    plain = [(n, "A child who loves to run and jump.", ["child"], "5-8") for n in ("Ada", "Ben", "Cy", "Dot")]
    tops = [t.top for t in sketch.cast_traits(plain)]

    assert len(set(tops)) == 4


def test_long_text_is_shortened_to_fit() -> None:
    image = Image.new("RGB", (200, 50))
    font = sketch.get_font(16)
    draw = sketch.Pen(image, sketch.look_for(None)).draw

    text = sketch.fit_text(draw, "A very long title that cannot possibly fit in the box", font, 120)

    assert text.endswith("...")
    assert draw.textlength(text, font=font) <= 120


def test_long_title_and_name_still_render() -> None:
    long_name = CAST["Leo"].model_copy(update={"name": "Bartholomew-Maximilian the Third"})
    req = request(title="A very long scene title " * 6, style="manga", width=512, height=768)
    data = render_panel(replace(req, cast=[long_name] * 4))

    assert decode(data).size == (512, 768)


@pytest.mark.anyio
async def test_draw_returns_a_png_through_the_async_interface() -> None:
    model = OfflineImageModel()
    req = request(seed=7)

    image = await model.draw(req)
    await model.aclose()

    assert model.name == "offline"
    assert isinstance(image, DrawnImage)
    assert image.content_type == "image/png"
    assert image.seed == 7
    assert image.source_url is None
    assert image.data == render_panel(req)
