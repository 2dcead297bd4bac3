"""The provider side of character references: offline reference pictures, colours read back, fal's arguments."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import io

import pytest
from PIL import Image

from app.models.records import CastMember, Composition, Figure
from app.models.story import SceneDraft
from app.providers import sketch
from app.providers.fal_references import ReferenceUris, aspect_ratio, compact_jpeg
from app.providers.offline_images import render_panel, render_reference
from app.services.cast.characters import PRESETS
from app.services.cast.references import cast_in, distinct, panel_references
from external_services import CharacterReference, ImageRequest
from master_prompts import STYLES

SCENE = SceneDraft(
    scene_id=1,
    title="At the park",
    description="Mia and Mom walk in the park",
    dialogue="",
    learning_point="Stay close",
    visual_elements=["swing"],
)


def _member(kind: str) -> CastMember:
    fields = {"character_type", "name", "description", "visual_tags", "age_group"}
    return CastMember(**PRESETS[kind].model_dump(include=fields))


def _reference_request(kind: str, style: str = "storybook") -> ImageRequest:
    member = _member(kind)
    return ImageRequest("", 512, 768, 7, SCENE, [member], STYLES[style], reference_of=member)


@pytest.mark.parametrize("style", list(STYLES))
def test_an_offline_reference_is_the_figure_alone_on_plain_paper(style: str) -> None:
    image = Image.open(io.BytesIO(render_reference(_reference_request("parent_mom", style)))).convert("RGB")
    assert image.size == (512, 768)
    paper = image.getpixel((0, 0))
    border = [image.getpixel((x, y)) for x in range(0, 512, 16) for y in (0, 767)]
    assert all(sum(abs(a - b) for a, b in zip(p, paper, strict=True)) < 40 for p in border)  # plain background
    middle = image.crop((192, 200, 320, 560)).get_flattened_data()  # the figure stands in the middle
    drawn = sum(1 for p in middle if sum(abs(a - b) for a, b in zip(p, paper, strict=True)) > 40)
    assert drawn > 0.3 * len(middle)


def test_colours_read_from_our_own_reference_match_the_characters_description() -> None:
    data = render_reference(_reference_request("parent_mom", "cartoon"))
    traits = sketch.cast_traits([("Mom", "", [], "adult")])[0]
    read = sketch.with_reference(traits, data)
    r, g, b = read.top
    assert g > r + 80  # the teal cardigan
    assert b > r + 80
    assert read.top_given


def test_a_picture_with_nothing_to_read_changes_nothing() -> None:
    traits = sketch.cast_traits([("Mia", "a girl in a yellow dress", [], "5-8")])[0]
    blank = io.BytesIO()
    Image.new("RGB", (64, 96), (255, 255, 255)).save(blank, "PNG")
    assert sketch.with_reference(traits, blank.getvalue()) == traits
    assert sketch.with_reference(traits, b"not a picture") == traits
    assert sketch.with_reference(traits, None) == traits


def test_an_offline_panel_is_drawn_from_the_references_it_is_given() -> None:
    mia, mom = _member("girl_young"), _member("parent_mom")
    panel = ImageRequest("", 384, 256, 3, SCENE, [mia, mom], STYLES["cartoon"])
    plain = render_panel(panel)
    red = io.BytesIO()
    figure = Image.new("RGB", (100, 300), (255, 255, 255))
    figure.paste((230, 10, 10), (30, 20, 70, 280))
    figure.save(red, "PNG")
    reference = CharacterReference("parent_mom", "Mom", red.getvalue(), "image/png")
    drawn = render_panel(dataclasses.replace(panel, references=(reference,)))
    assert drawn != plain
    assert render_panel(dataclasses.replace(panel, references=(reference,))) == drawn  # still deterministic


def test_panel_references_are_exactly_the_cast_in_the_panel() -> None:
    cast = [_member("girl_young"), _member("parent_mom"), _member("girl_young")]
    assert [m.character_type for m in distinct(cast)] == ["girl_young", "parent_mom"]
    refs = {kind: CharacterReference(kind, kind, kind.encode(), "image/png") for kind in ("girl_young", "parent_mom")}
    only_mom = Composition(figures=[Figure(name="Mom", character_type="parent_mom"), Figure(name="Stranger")])
    assert panel_references(cast, cast_in(only_mom), refs) == (refs["parent_mom"],)
    assert panel_references(cast, cast_in(Composition(figures=[Figure(name="Stranger")])), refs) == ()
    assert panel_references(cast, cast_in(None), refs) == (refs["girl_young"], refs["parent_mom"])


@pytest.mark.parametrize(
    ("size", "ratio"), [((768, 512), "3:2"), ((1024, 768), "4:3"), ((512, 768), "2:3"), ((512, 512), "1:1")]
)
def test_aspect_ratio_is_the_nearest_kontext_accepts(size: tuple[int, int], ratio: str) -> None:
    assert aspect_ratio(*size) == ratio


def test_references_are_sent_as_small_jpeg_data_uris_encoded_once() -> None:
    data = render_reference(_reference_request("girl_young"))
    reference = CharacterReference("girl_young", "Mia", data, "image/png")
    request = ImageRequest("Mia waves.", 768, 512, 11, SCENE, references=(reference, reference))
    uris = ReferenceUris()

    async def both() -> list[dict]:
        return list(await asyncio.gather(uris.arguments(request), uris.arguments(request)))

    first, second = asyncio.run(both())
    assert first == second
    assert first["seed"] == 11
    assert first["aspect_ratio"] == "3:2"
    assert first["prompt"].startswith("Mia waves.")
    assert "picture 1: Mia; picture 2: Mia" in first["prompt"]
    header, _, payload = first["image_urls"][0].partition(",")
    assert header == "data:image/jpeg;base64"
    jpeg = base64.b64decode(payload)
    assert jpeg == compact_jpeg(data)
    assert max(Image.open(io.BytesIO(jpeg)).size) == 512
    assert len(jpeg) < 60_000
